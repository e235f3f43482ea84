"""Class: a teacher's class board, and where learners join a class (?class=…, ?class=…&teacher=…, ?learner=…)."""

from ui.labs.class_board import show
from ui.page import setup_page

setup_page("class")
show()
