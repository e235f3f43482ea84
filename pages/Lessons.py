"""Lessons: the list of lessons with the learner's progress, or one step of a lesson (?lesson=<slug>&step=<n>)."""

from ui import lessons
from ui.lesson_views import lesson_list, lesson_page
from ui.page import setup_page

setup_page(lessons.PAGE)
lessons.load_progress()
catalogue = lessons.catalogue()
slug, lesson, number = lessons.position(catalogue)
if lesson is None:
    lessons.mirror(None)
    lesson_list(catalogue, missing=slug)
else:
    lessons.mirror(lesson, number)
    lesson_page(catalogue, lesson, number)
lessons.save_progress()
