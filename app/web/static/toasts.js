/* Swarmboard board page: the toast stack. */
"use strict";
