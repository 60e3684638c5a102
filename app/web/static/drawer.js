/* Swarmboard board page: the card drawer (owned by the drawer work). */
"use strict";
