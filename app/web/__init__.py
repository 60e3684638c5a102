"""The web pages: sign-in, the board list and the live board, server-rendered."""
