"""Widgets the screens are built from, one a module: the title bar, the paged
table, the day picker, the tick box, and the renderables of the live panel
and the projections."""
