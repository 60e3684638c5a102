/* Swarmboard board page: search and filters. */
"use strict";
