"""Helpers the tests share: `books` builds books through the store, `cli`
runs the command line (in-process and as a process), `raw` reads a book file
back with plain sqlite3, `pilot` drives the app and reads its screens."""
