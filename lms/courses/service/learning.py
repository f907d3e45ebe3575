"""Learning: opening modules, progress, completion, resume, quizzes, xAPI packages and tasks."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload
from tincan import Result, Score

from xapi.emitter import record
from xapi.vocabulary import ActivityType, Verb

from ...extensions import db
from ...people.models import EmploymentSpell, Role, User, utcnow
from ...people.service import ValidationError, is_latest_spell
from ..models import (
    AnswerOption,
    CourseModule,
    Enrolment,
    ModuleKind,
    ModuleProgress,
    ProgressStatus,
    Question,
    QuestionKind,
    QuizAttempt,
)
from .events import course_completed, course_iri, module_iri, notify, question_iri, record_course, record_module, statement_context


def progress_for(enrolment: Enrolment) -> dict[int, ModuleProgress]:
    return {p.module_id: p for p in enrolment.progress}


def _progress(enrolment: Enrolment, module: CourseModule) -> tuple[ModuleProgress, bool]:
    existing = progress_for(enrolment).get(module.id)
    if existing is not None:
        return existing, False
    row = ModuleProgress(module=module, status=ProgressStatus.started)
    enrolment.progress.append(row)
    db.session.flush()
    return row, True


def start_course(enrolment: Enrolment) -> bool:
    """The first opening of the course records `launched`; later openings record nothing."""
    if enrolment.started_at is not None:
        return False
    enrolment.started_at = utcnow()
    record_course(enrolment, Verb.LAUNCHED)
    db.session.flush()
    return True


def open_module(enrolment: Enrolment, module: CourseModule) -> ModuleProgress:
    """The learner opens a module: remember it for "continue"; record `experienced` the first
    time they see a text, video or file module."""
    start_course(enrolment)
    enrolment.last_module_id = module.id
    enrolment.last_visited_at = utcnow()
    row, created = _progress(enrolment, module)
    if created and module.kind in (ModuleKind.text, ModuleKind.video, ModuleKind.file):
        record_module(enrolment, module, Verb.EXPERIENCED)
    db.session.flush()
    return row


def mark_done(enrolment: Enrolment, module: CourseModule) -> ModuleProgress:
    """The learner finishes a text, video or download module."""
    if module.kind not in (ModuleKind.text, ModuleKind.video, ModuleKind.file):
        raise ValidationError(_l("This module is completed by doing it, not by marking it."))
    row = open_module(enrolment, module)
    _complete(enrolment, module, row)
    return row


def _complete(enrolment: Enrolment, module: CourseModule, row: ModuleProgress, *, result: Result | None = None,
              instructor: User | None = None) -> None:
    if row.status == ProgressStatus.completed:
        return
    row.status = ProgressStatus.completed
    row.completed_at = utcnow()
    record_module(enrolment, module, Verb.COMPLETED, result=result or Result(completion=True), instructor=instructor)
    db.session.flush()
    check_completion(enrolment)


def check_completion(enrolment: Enrolment) -> bool:
    """Complete the course when every required module is done (a required quiz: passed)."""
    if enrolment.completed_at is not None:
        return True
    done = {p.module_id for p in enrolment.progress if p.status == ProgressStatus.completed}
    required = [m for m in enrolment.course.modules if m.is_required]
    if not required or any(m.id not in done for m in required):
        return False
    enrolment.completed_at = utcnow()
    record_course(enrolment, Verb.COMPLETED, Result(completion=True))
    db.session.flush()
    course_completed.send(enrolment)
    return True


def resume_module(enrolment: Enrolment) -> CourseModule | None:
    """Where "continue" goes: the last module visited if it is not finished, else the first
    unfinished one, else the last visited (or first) module."""
    modules = enrolment.course.modules
    if not modules:
        return None
    done = {p.module_id for p in enrolment.progress if p.status == ProgressStatus.completed}
    last = next((m for m in modules if m.id == enrolment.last_module_id), None)
    if last is not None and last.id not in done:
        return last
    start = modules.index(last) + 1 if last is not None else 0
    for m in modules[start:] + modules[:start]:
        if m.id not in done:
            return m
    return last or modules[0]


def next_module(module: CourseModule) -> CourseModule | None:
    modules = module.course.modules
    i = modules.index(module)
    return modules[i + 1] if i + 1 < len(modules) else None


@dataclass
class CourseProgress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress_by_enrolment(enrolments: list[Enrolment]) -> dict[int, CourseProgress]:
    """Required modules done and in total per enrolment, in two grouped queries (no N+1)."""
    if not enrolments:
        return {}
    course_ids = {e.course_id for e in enrolments}
    totals = dict(db.session.execute(
        select(CourseModule.course_id, func.count()).where(CourseModule.course_id.in_(course_ids),
                                                           CourseModule.is_required.is_(True))
        .group_by(CourseModule.course_id)
    ).all())
    done = dict(db.session.execute(
        select(ModuleProgress.enrolment_id, func.count())
        .join(CourseModule, CourseModule.id == ModuleProgress.module_id)
        .where(ModuleProgress.enrolment_id.in_([e.id for e in enrolments]),
               ModuleProgress.status == ProgressStatus.completed, CourseModule.is_required.is_(True))
        .group_by(ModuleProgress.enrolment_id)
    ).all())
    return {e.id: CourseProgress(done.get(e.id, 0), totals.get(e.course_id, 0)) for e in enrolments}


# --- quizzes -------------------------------------------------------------------------------------


def attempts_for(enrolment: Enrolment, module: CourseModule) -> list[QuizAttempt]:
    return list(db.session.execute(
        select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.module_id == module.id)
        .order_by(QuizAttempt.number)
    ).scalars())


def attempts_left(module: CourseModule, attempts: list[QuizAttempt]) -> int | None:
    if module.max_attempts is None:
        return None
    return max(0, module.max_attempts - sum(1 for a in attempts if a.submitted_at is not None))


def start_attempt(enrolment: Enrolment, module: CourseModule) -> QuizAttempt:
    """Begin (or resume the open) attempt at a quiz; records `attempted` for a new one."""
    if module.kind != ModuleKind.quiz:
        raise ValidationError(_l("This module is not a quiz."))
    attempts = attempts_for(enrolment, module)
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    if open_attempt is not None:
        return open_attempt
    row = open_module(enrolment, module)
    if row.is_passed:
        raise ValidationError(_l("You have passed this quiz already."))
    if attempts_left(module, attempts) == 0:
        raise ValidationError(_l("You have used all your attempts at this quiz."))
    attempt = QuizAttempt(enrolment_id=enrolment.id, module_id=module.id, number=len(attempts) + 1, answers={})
    db.session.add(attempt)
    db.session.flush()
    record_module(enrolment, module, Verb.ATTEMPTED)
    return attempt


@dataclass
class QuestionOutcome:
    question: Question
    chosen: list[AnswerOption]
    is_correct: bool


@dataclass
class QuizOutcome:
    score: int
    is_passed: bool
    questions: list[QuestionOutcome] = field(default_factory=list)


def score_answers(module: CourseModule, answers: dict[int, list[int]]) -> QuizOutcome:
    """Score answers ({question id: chosen option ids}) on the server. A question counts as right
    when exactly its correct options are chosen. Unknown or impossible choices are a ValidationError."""
    outcomes = []
    for question in module.questions:
        by_id = {o.id: o for o in question.options}
        chosen_ids = answers.get(question.id, [])
        if any(i not in by_id for i in chosen_ids):
            raise ValidationError(_l("An answer does not belong to its question."))
        if question.kind != QuestionKind.multiple and len(chosen_ids) > 1:
            raise ValidationError(_l("Choose one answer per question."))
        chosen = [by_id[i] for i in sorted(set(chosen_ids), key=lambda i: by_id[i].position)]
        correct = {o.id for o in question.options if o.is_correct}
        outcomes.append(QuestionOutcome(question, chosen, {o.id for o in chosen} == correct))
    total = len(outcomes)
    score = round(100 * sum(o.is_correct for o in outcomes) / total) if total else 0
    return QuizOutcome(score=score, is_passed=score >= (module.pass_mark or 0), questions=outcomes)


def submit_attempt(attempt: QuizAttempt, answers: dict[int, list[int]]) -> QuizOutcome:
    """Score the attempt and record `answered` per question, then `passed` or `failed`; a passed
    quiz completes its module (and maybe the course)."""
    if attempt.submitted_at is not None:
        raise ValidationError(_l("This attempt has been handed in already."))
    enrolment, module = attempt.enrolment, attempt.module
    outcome = score_answers(module, answers)
    attempt.answers = {str(o.question.id): [c.id for c in o.chosen] for o in outcome.questions}
    attempt.score = outcome.score
    attempt.is_passed = outcome.is_passed
    attempt.submitted_at = utcnow()
    for o in outcome.questions:
        record(enrolment.user, Verb.ANSWERED, question_iri(o.question), activity_name=o.question.text[:200],
               activity_type=ActivityType.QUESTION,
               result=Result(response="[,]".join(str(c.id) for c in o.chosen), success=o.is_correct),
               context=statement_context(enrolment, module_iri(module), grouping=course_iri(enrolment.course)))
    result = Result(score=Score(scaled=outcome.score / 100, raw=outcome.score, min=0, max=100),
                    success=outcome.is_passed, completion=True)
    record_module(enrolment, module, Verb.PASSED if outcome.is_passed else Verb.FAILED, result=result)
    row, _created = _progress(enrolment, module)
    row.best_score = max(row.best_score or 0, outcome.score)
    if outcome.is_passed:
        row.is_passed = True
        _complete(enrolment, module, row, result=result)
    db.session.flush()
    return outcome


def outcome_of(attempt: QuizAttempt) -> QuizOutcome:
    """A handed-in attempt with its stored score, and per question the answers chosen then (an
    answer the author has since removed is left out; the stored score stands)."""
    questions = []
    for question in attempt.module.questions:
        chosen_ids = set((attempt.answers or {}).get(str(question.id), []))
        chosen = [o for o in question.options if o.id in chosen_ids]
        correct = {o.id for o in question.options if o.is_correct}
        questions.append(QuestionOutcome(question, chosen, {o.id for o in chosen} == correct))
    return QuizOutcome(score=attempt.score or 0, is_passed=bool(attempt.is_passed), questions=questions)


# --- xAPI packages ------------------------------------------------------------------------------


def launch_package(enrolment: Enrolment, module: CourseModule, base_url: str, file_url: str) -> str:
    """The launch URL of the module's package with a short-lived credential bound to this learner
    and this enrolment's registration, so the package's statements land on the enrolment."""
    from xapi.content import launch_url

    if module.kind != ModuleKind.xapi or module.package is None:
        raise ValidationError(_l("This module has no package to launch."))
    open_module(enrolment, module)
    record_module(enrolment, module, Verb.LAUNCHED)
    return launch_url(module.package, enrolment.user, base_url, file_url, registration=enrolment.registration)


_PACKAGE_DONE_VERBS = (Verb.COMPLETED[0], Verb.PASSED[0])


def sync_package_statements(seqs: list[int]) -> int:
    """Statement-stream subscriber: a package's own `completed` or `passed` about its activity,
    sent under an enrolment's registration, completes the matching xAPI module. Idempotent."""
    from xapi.models import ContentPackage, Statement

    rows = db.session.execute(
        select(Statement.data, Enrolment, CourseModule)
        .join(Enrolment, Enrolment.registration == Statement.registration)
        .join(CourseModule, and_(CourseModule.course_id == Enrolment.course_id, CourseModule.kind == ModuleKind.xapi))
        .join(ContentPackage, ContentPackage.id == CourseModule.package_id)
        .where(Statement.seq.in_(seqs), Statement.verb_id.in_(_PACKAGE_DONE_VERBS),
               Statement.is_voided.is_(False), Statement.user_id == Enrolment.user_id)
    ).all()
    n = 0
    for data, enrolment, module in rows:
        if (data.get("object") or {}).get("id") != module.package.activity_id:
            continue
        if data.get("verb", {}).get("id") == Verb.COMPLETED[0] or (data.get("result") or {}).get("success", True):
            row, _created = _progress(enrolment, module)
            if not row.is_completed:
                _complete(enrolment, module, row)
                n += 1
    return n


# --- practical tasks ----------------------------------------------------------------------------


def submit_task(enrolment: Enrolment, module: CourseModule, text: str) -> ModuleProgress:
    """The learner says the task is done and what they did; it waits for sign-off."""
    if module.kind != ModuleKind.task:
        raise ValidationError(_l("This module is not a practical task."))
    row = open_module(enrolment, module)
    if row.is_completed:
        raise ValidationError(_l("This task is signed off already."))
    if not text.strip():
        raise ValidationError(_l("Say briefly what you did."), "submission")
    row.submission = text.strip()
    row.status = ProgressStatus.submitted
    db.session.flush()
    _notify_sign_off(enrolment, module)
    return row


def _notify_sign_off(enrolment: Enrolment, module: CourseModule) -> None:
    spell = enrolment.user.current_spell
    if spell is not None and spell.manager is not None:
        notify(spell.manager, "course.task_submitted", url="/courses/sign-offs", actor=enrolment.user,
                task=module.title, course=enrolment.course.title)


def sign_off(row: ModuleProgress, by: User) -> None:
    """A manager (or buddy) confirms a practical task; records `completed` with them as instructor."""
    if row.status != ProgressStatus.submitted:
        raise ValidationError(_l("Only handed-in tasks can be signed off."))
    row.signed_off_by_id = by.id
    row.signed_off_at = utcnow()
    _complete(row.enrolment, row.module, row, instructor=by)
    notify(row.enrolment.user, "course.task_signed_off", actor=by,
            url=f"/courses/{row.enrolment.course_id}/modules/{row.module_id}", task=row.module.title)


def pending_sign_offs(user: User) -> list[ModuleProgress]:
    """Handed-in tasks of `user`'s reports (all of them for HR), oldest first."""
    q = (
        select(ModuleProgress)
        .join(Enrolment, Enrolment.id == ModuleProgress.enrolment_id)
        .where(ModuleProgress.status == ProgressStatus.submitted)
        .options(joinedload(ModuleProgress.enrolment).joinedload(Enrolment.user),
                 joinedload(ModuleProgress.enrolment).joinedload(Enrolment.course),
                 joinedload(ModuleProgress.module))
        .order_by(ModuleProgress.started_at)
        .limit(200)
    )
    if not user.has_role(Role.hr):
        from ..permissions import SIGN_OFF_SCOPES

        others = {i for scope in SIGN_OFF_SCOPES for i in scope(user)}  # e.g. a buddy's new hires
        q = q.join(EmploymentSpell, and_(EmploymentSpell.user_id == Enrolment.user_id, is_latest_spell(EmploymentSpell))) \
            .where(or_(EmploymentSpell.manager_id == user.id, Enrolment.user_id.in_(others)))
    # The query already keeps to the manager's reports (HR: everyone); nobody signs off their own.
    return [r for r in db.session.execute(q).scalars().unique() if r.enrolment.user_id != user.id]


