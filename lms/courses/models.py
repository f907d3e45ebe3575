"""Courses and their ordered modules, quizzes, enrolments, progress and enrolment rules."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..people.models import Department, Role, User, UTCDateTime, string_enum, utcnow


class CourseStatus(str, enum.Enum):
    draft = "draft"
    published = "published"


class ModuleKind(str, enum.Enum):
    text = "text"
    video = "video"
    file = "file"
    quiz = "quiz"
    xapi = "xapi"
    task = "task"


class QuestionKind(str, enum.Enum):
    single = "single"
    multiple = "multiple"
    true_false = "true_false"


class EnrolmentSource(str, enum.Enum):
    self = "self"
    manager = "manager"
    hr = "hr"
    rule = "rule"


class ProgressStatus(str, enum.Enum):
    started = "started"
    #: a practical task the learner has handed in, waiting for sign-off
    submitted = "submitted"
    completed = "completed"


course_authors = db.Table(
    "course_authors",
    db.Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Course(db.Model):
    """A course: a title, a summary and ordered modules; learners see it once published."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown, shown in the catalogue (first lines) and on the course page
    summary: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(60))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    #: the language the course is written in: en, da or sv
    language: Mapped[str] = mapped_column(String(5), default="en")
    #: file name of the cover image under instance/course_files; None without a cover
    cover_key: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[CourseStatus] = mapped_column(string_enum(CourseStatus), default=CourseStatus.draft)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    authors: Mapped[list[User]] = relationship(secondary=course_authors, order_by="User.last_name")
    modules: Mapped[list[CourseModule]] = relationship(
        back_populates="course", order_by="CourseModule.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("language IN ('en', 'da', 'sv')", name="language"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        Index("ix_courses_status_category", "status", "category"),
        Index("ix_courses_status_language", "status", "language"),
    )

    def __repr__(self) -> str:
        return f"<Course {self.id} {self.title!r} {self.status.value}>"

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.published


class CourseModule(db.Model):
    """One step of a course; what it holds depends on its kind."""

    __tablename__ = "course_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    #: 1-based order within the course
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ModuleKind] = mapped_column(string_enum(ModuleKind))
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown: the text of a text module, an introduction or the instructions of a task
    body: Mapped[str] = mapped_column(Text, default="")
    #: the course is complete only when every required module is (a required quiz: passed)
    is_required: Mapped[bool] = mapped_column(Boolean, default=True)
    #: video: an https link instead of an uploaded file
    video_url: Mapped[str | None] = mapped_column(String(2048))
    #: video or file: stored file name under instance/course_files, and what the learner downloads
    file_key: Mapped[str | None] = mapped_column(String(80))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_mime: Mapped[str | None] = mapped_column(String(100))
    #: xapi: the uploaded package it launches
    package_id: Mapped[int | None] = mapped_column(
        ForeignKey("xapi_content_packages.id", ondelete="RESTRICT"), index=True
    )
    #: quiz: percentage of points needed to pass
    pass_mark: Mapped[int | None] = mapped_column(Integer)
    #: quiz: None means unlimited attempts
    max_attempts: Mapped[int | None] = mapped_column(Integer)

    course: Mapped[Course] = relationship(back_populates="modules")
    package = relationship("ContentPackage")
    questions: Mapped[list[Question]] = relationship(
        back_populates="module", order_by="Question.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_course_modules_course_position", "course_id", "position"),
        CheckConstraint("pass_mark IS NULL OR (pass_mark >= 0 AND pass_mark <= 100)", name="pass_mark_percent"),
        CheckConstraint("max_attempts IS NULL OR max_attempts > 0", name="max_attempts_positive"),
    )

    def __repr__(self) -> str:
        return f"<CourseModule {self.id} {self.kind.value} {self.title!r}>"


class Question(db.Model):
    """A quiz question with its answer options."""

    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[QuestionKind] = mapped_column(string_enum(QuestionKind))
    #: Markdown
    text: Mapped[str] = mapped_column(Text)

    module: Mapped[CourseModule] = relationship(back_populates="questions")
    options: Mapped[list[AnswerOption]] = relationship(
        back_populates="question", order_by="AnswerOption.position", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_quiz_questions_module_position", "module_id", "position"),)

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind.value}>"


class AnswerOption(db.Model):
    """One answer a learner can pick, with the feedback shown after they pick it."""

    __tablename__ = "quiz_answer_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    is_correct: Mapped[bool] = mapped_column(Boolean, default=False)
    #: plain text shown after an attempt to a learner who chose this option
    feedback: Mapped[str] = mapped_column(String(1000), default="")

    question: Mapped[Question] = relationship(back_populates="options")

    def __repr__(self) -> str:
        return f"<AnswerOption {self.id} {'correct' if self.is_correct else 'wrong'}>"


class EnrolmentRule(db.Model):
    """HR's rule: enrol everyone who matches (department, role, new hires) now and as they arrive."""

    __tablename__ = "course_enrolment_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: None matches every department; a department includes those under it
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    #: None matches every role
    role: Mapped[Role | None] = mapped_column(Enum(Role, native_enum=False, length=20))
    #: only people whose employment starts on or after the day the rule was made
    is_new_hires_only: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the due date is the enrolment day (or the start date, for new hires) plus this many days
    due_days: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_on: Mapped[date] = mapped_column(Date, default=date.today)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    department: Mapped[Department | None] = relationship()

    __table_args__ = (CheckConstraint("due_days IS NULL OR due_days > 0", name="due_days_positive"),)

    def __repr__(self) -> str:
        return f"<EnrolmentRule {self.id} course={self.course_id}>"


class Enrolment(db.Model):
    """A person taking a course; its registration UUID ties their statements to this enrolment."""

    __tablename__ = "course_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: the xAPI registration of every statement about this enrolment
    registration: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    source: Mapped[EnrolmentSource] = mapped_column(string_enum(EnrolmentSource))
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_enrolment_rules.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date | None] = mapped_column(Date)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: first opened by the learner
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: where "Continue" takes the learner
    last_module_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_modules.id", ondelete="SET NULL"), index=True
    )
    last_visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    enrolled_by: Mapped[User | None] = relationship(foreign_keys=[enrolled_by_id])
    progress: Mapped[list[ModuleProgress]] = relationship(back_populates="enrolment", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("course_id", "user_id", name="uq_course_enrolments_course_user"),
        Index("ix_course_enrolments_user_completed", "user_id", "completed_at"),
        Index("ix_course_enrolments_due_on", "due_on"),
    )

    def __repr__(self) -> str:
        return f"<Enrolment {self.id} course={self.course_id} user={self.user_id}>"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    def is_overdue(self, today: date | None = None) -> bool:
        return self.completed_at is None and self.due_on is not None and self.due_on < (today or date.today())


class ModuleProgress(db.Model):
    """How far one enrolment is with one module."""

    __tablename__ = "course_module_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("course_enrolments.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"), index=True)
    status: Mapped[ProgressStatus] = mapped_column(string_enum(ProgressStatus), default=ProgressStatus.started)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: quiz: best score so far, in percent, and whether any attempt passed
    best_score: Mapped[int | None] = mapped_column(Integer)
    is_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: task: what the learner handed in, and who signed it off
    submission: Mapped[str | None] = mapped_column(Text)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    enrolment: Mapped[Enrolment] = relationship(back_populates="progress")
    module: Mapped[CourseModule] = relationship()
    signed_off_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("enrolment_id", "module_id", name="uq_course_module_progress_enrolment_module"),
        Index("ix_course_module_progress_status", "status"),
    )

    def __repr__(self) -> str:
        return f"<ModuleProgress {self.id} enrolment={self.enrolment_id} module={self.module_id} {self.status.value}>"

    @property
    def is_completed(self) -> bool:
        return self.status == ProgressStatus.completed


class QuizAttempt(db.Model):
    """One attempt at a quiz: the answers given and the score computed on the server."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("course_enrolments.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"), index=True)
    #: 1 for the first attempt
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: {question id (str): [chosen option ids]}
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    score: Mapped[int | None] = mapped_column(Integer)
    is_passed: Mapped[bool | None] = mapped_column(Boolean)

    enrolment: Mapped[Enrolment] = relationship()
    module: Mapped[CourseModule] = relationship()

    __table_args__ = (
        UniqueConstraint("enrolment_id", "module_id", "number", name="uq_quiz_attempts_number"),
    )

    def __repr__(self) -> str:
        return f"<QuizAttempt {self.id} #{self.number} score={self.score}>"
