/* Swarmboard pages: one date format (relative, with the absolute time as a tooltip). */
"use strict";
