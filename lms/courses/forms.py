"""Forms for course authoring, enrolment, rules, quizzes and practical tasks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.forms import BaseForm
from ..people.forms import as_choices, language_choices
from ..people.models import Role
from .files import DOWNLOAD_TYPES, VIDEO_TYPES
from .models import ModuleKind, QuestionKind


def module_kind_labels() -> dict[str, str]:
    return {
        ModuleKind.text.value: _l("Text"),
        ModuleKind.video.value: _l("Video"),
        ModuleKind.file.value: _l("Download"),
        ModuleKind.quiz.value: _l("Quiz"),
        ModuleKind.xapi.value: _l("xAPI package"),
        ModuleKind.task.value: _l("Practical task"),
    }


def question_kind_labels() -> dict[str, str]:
    return {
        QuestionKind.single.value: _l("Single choice"),
        QuestionKind.multiple.value: _l("Multiple choice"),
        QuestionKind.true_false.value: _l("True or false"),
    }


def duration_labels() -> dict[str, str]:
    return {"short": _l("Up to 30 minutes"), "medium": _l("30 minutes to 2 hours"), "long": _l("More than 2 hours")}


class CourseForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=5000)],
                            description=_l("What learners get from the course. Markdown is allowed."))
    category = StringField(_l("Category"), validators=[DataRequired(), Length(max=60)],
                           description=_l("e.g. Compliance, Leadership, Communication"))
    duration_minutes = IntegerField(_l("Estimated duration (minutes)"),
                                    validators=[DataRequired(), NumberRange(min=1, max=10_000)])
    language = SelectField(_l("Language of the course"), choices=language_choices(blank=False))
    cover = FileField(_l("Cover image"), validators=[Optional(), FileAllowed(["jpg", "jpeg", "png", "webp"],
                                                                           _l("Upload a JPEG, PNG or WebP image."))],
                      description=_l("JPEG, PNG or WebP, at most 5 MB."))
    submit = SubmitField(_l("Save"))


class ModuleForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=100_000)],
                         description=_l("Markdown: # headings, **bold**, lists, [links](https://…)."))
    is_required = BooleanField(_l("Required to complete the course"), default=True)
    video_url = URLField(_l("Video link (https)"), validators=[Optional(), Length(max=2048)],
                         description=_l("Or upload a video file below."))
    upload = FileField(_l("File"))
    package_id = SelectField(_l("xAPI package"), coerce=int, validators=[Optional()], validate_choice=False)
    pass_mark = IntegerField(_l("Pass mark (%)"), validators=[Optional(), NumberRange(min=0, max=100)], default=80)
    max_attempts = IntegerField(_l("Attempts allowed"), validators=[Optional(), NumberRange(min=1, max=100)],
                                description=_l("Leave empty for no limit."))
    submit = SubmitField(_l("Save module"))

    def configure(self, kind: ModuleKind) -> None:
        """Drop the fields the kind does not use, and label the rest for it."""
        keep = {"title", "body", "is_required", "submit", "csrf_token"}
        keep |= {
            ModuleKind.video: {"video_url", "upload"},
            ModuleKind.file: {"upload"},
            ModuleKind.quiz: {"pass_mark", "max_attempts"},
            ModuleKind.xapi: {"package_id"},
        }.get(kind, set())
        for name in [f.name for f in self if f.name not in keep]:
            delattr(self, name)
        if kind == ModuleKind.task:
            self.body.label.text = _l("Instructions")
        elif kind in (ModuleKind.quiz, ModuleKind.xapi, ModuleKind.video, ModuleKind.file):
            self.body.label.text = _l("Introduction")
        if kind == ModuleKind.video:
            self.upload.label.text = _l("Video file (MP4 or WebM, at most 60 MB)")
            self.upload.validators = [Optional(), FileAllowed(sorted(VIDEO_TYPES), _l("Upload an MP4 or WebM video."))]
        if kind == ModuleKind.file:
            self.upload.label.text = _l("File to download (at most 25 MB)")
            self.upload.validators = [Optional(), FileAllowed(sorted(DOWNLOAD_TYPES) + ["jpeg"],
                                                              _l("This type of file is not accepted."))]


class OptionForm(Form):
    """One answer row of a question (a sub-form: the outer form carries the CSRF token)."""

    text = StringField(_l("Answer"), validators=[Optional(), Length(max=500)])
    is_correct = BooleanField(_l("Correct"))
    feedback = StringField(_l("Feedback when chosen"), validators=[Optional(), Length(max=1000)])


class QuestionForm(BaseForm):
    kind = SelectField(_l("Type"), choices=[])
    text = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=5000)])
    options = FieldList(FormField(OptionForm), min_entries=5, max_entries=8)
    submit = SubmitField(_l("Save question"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = as_choices(question_kind_labels().items())


class EnrolOthersForm(BaseForm):
    person = SelectField(_l("Person"), coerce=int, validate_choice=True, choices=[])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    submit = SubmitField(_l("Enrol"))


class RuleForm(BaseForm):
    department = SelectField(_l("Department"), coerce=int, choices=[],
                             description=_l("Includes the departments under it."))
    role = SelectField(_l("Role"), choices=[])
    is_new_hires_only = BooleanField(_l("Only new hires (people starting from today)"))
    due_days = IntegerField(_l("Due after (days)"), validators=[Optional(), NumberRange(min=1, max=730)],
                            description=_l("Counted from the enrolment, or from the start date of a new hire."))
    submit = SubmitField(_l("Create rule"))

    def __init__(self, *args, departments=(), **kwargs):
        """`departments`: (Department, depth) pairs, as lms.people.service.department_tree() gives."""
        super().__init__(*args, **kwargs)
        self.department.choices = as_choices(
            [(0, _l("Every department"))] + [(d.id, "\u2003" * depth + d.name) for d, depth in departments]
        )
        from ..people.forms import role_labels

        labels = role_labels()
        self.role.choices = as_choices([("", _l("Every role"))] + [(r.value, labels[r.value]) for r in Role])


class AuthorForm(BaseForm):
    user = SelectField(_l("Author"), coerce=int, choices=[])
    submit = SubmitField(_l("Add author"))


class TaskSubmissionForm(BaseForm):
    submission = TextAreaField(_l("What did you do?"), validators=[DataRequired(), Length(max=5000)],
                               description=_l("Your manager reads this before signing the task off."))
    submit = SubmitField(_l("Hand in for sign-off"))
