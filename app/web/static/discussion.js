/* Swarmboard board page: a card's comments and activity in the drawer. */
"use strict";
