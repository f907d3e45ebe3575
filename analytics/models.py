"""HR data for analytics: HRIS imports with their reports, person attributes, absences."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import Department, User, UTCDateTime, string_enum, utcnow


class ImportKind(str, enum.Enum):
    """What a file holds: employment spells (one row per spell) or absence records."""

    spells = "spells"
    absences = "absences"


class ImportStatus(str, enum.Enum):
    #: a large file being checked by a Celery task
    checking = "checking"
    #: uploaded, mapping and report shown, nothing written to people data yet
    pending = "pending"
    #: a large file being imported by a Celery task
    importing = "importing"
    #: confirmed: the good rows are written
    applied = "applied"
    #: HR threw it away
    discarded = "discarded"


class HrisImport(db.Model):
    """One uploaded HRIS file: its text, the column mapping HR chose, and the last report."""

    __tablename__ = "hris_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(string_enum(ImportKind))
    status: Mapped[ImportStatus] = mapped_column(string_enum(ImportStatus), default=ImportStatus.pending)
    filename: Mapped[str] = mapped_column(String(255))
    #: the file decoded to text (kept until applied or discarded, so confirm reads what was previewed)
    content: Mapped[str] = mapped_column(Text)
    #: file header -> documented column name, "attribute", "protected" or "ignore"
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the last report: {"counts": {...}, "errors": [[row, column, reason], ...], "rows": n, "good": n}
    report: Mapped[dict | None] = mapped_column(JSON)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<HrisImport {self.id} {self.kind.value} {self.status.value} {self.filename!r}>"


class AttributeKind(str, enum.Enum):
    numeric = "numeric"
    categorical = "categorical"


class PersonAttributeDefinition(db.Model):
    """A column beyond the documented ones (e.g. "location", "salary band", "køn"), kept per person."""

    __tablename__ = "person_attribute_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: normalised header, e.g. "salary_band"
    name: Mapped[str] = mapped_column(String(80), unique=True)
    #: the header as it stood in the file, for display
    label: Mapped[str] = mapped_column(String(120))
    #: numeric when every value seen so far parses as a number (decimal comma allowed)
    kind: Mapped[AttributeKind] = mapped_column(string_enum(AttributeKind))
    #: a protected characteristic (age, gender, ethnicity, religion, marital status, health, ...):
    #: stored for HR's records, never used by a model (see `hris.usable_attributes`); once set, never cleared
    is_protected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<PersonAttributeDefinition {self.name} {self.kind.value}{' protected' if self.is_protected else ''}>"


class PersonAttribute(db.Model):
    """One person's value of one attribute (the latest imported)."""

    __tablename__ = "person_attributes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("person_attribute_definitions.id", ondelete="CASCADE"))
    #: the value as text, always present (numbers normalised, e.g. "3.5")
    value: Mapped[str] = mapped_column(String(255), active_history=True)
    #: the value as a number when it parses as one
    number_value: Mapped[float | None] = mapped_column(Float, active_history=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    definition: Mapped[PersonAttributeDefinition] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "definition_id", name="uq_person_attributes_user_definition"),)

    def __repr__(self) -> str:
        return f"<PersonAttribute user={self.user_id} def={self.definition_id}>"


class AbsenceType(str, enum.Enum):
    sick = "sick"
    vacation = "vacation"
    parental = "parental"
    other = "other"


class Absence(db.Model):
    """A period away from work. Sick leave is health data: group-level use only, never a model feature."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date, active_history=True)
    #: last day away (inclusive)
    end_date: Mapped[date] = mapped_column(Date, active_history=True)
    absence_type: Mapped[AbsenceType] = mapped_column(string_enum(AbsenceType), active_history=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="absence_end_after_start"),
        UniqueConstraint("user_id", "start_date", name="uq_absences_user_start"),
    )

    def __repr__(self) -> str:
        return f"<Absence user={self.user_id} {self.absence_type.value} {self.start_date}..{self.end_date}>"


def _register_audit() -> None:
    """Person attributes and absences are employment data: the people audit listener records them too."""
    from lms.people.audit import AUDITED, REDACTED

    AUDITED[PersonAttribute] = ("definition_id", "value")
    AUDITED[Absence] = ("start_date", "end_date", "absence_type")
    # A protected characteristic's value stays out of the log (which HR reads for years): the
    # entry says that it changed, not to what.
    REDACTED[PersonAttribute] = _protected_value


def _protected_value(attribute: PersonAttribute) -> tuple[str, ...]:
    from sqlalchemy.orm import object_session
    from sqlalchemy.orm.util import identity_key

    # Read the definition from the session's identity map: no query may run inside a flush.
    session = object_session(attribute)
    definition = attribute.__dict__.get("definition")
    if definition is None and session is not None and attribute.definition_id is not None:
        definition = session.identity_map.get(identity_key(PersonAttributeDefinition, attribute.definition_id))
    if definition is None:
        return ("value",)  # not known here: treat as protected
    return ("value",) if definition.is_protected else ()


_register_audit()


# --- pulse surveys ------------------------------------------------------------------------------
#
# Anonymous by design. Who was invited and who has answered lives in `pulse_invitations`; what
# was answered lives in `pulse_responses`, `pulse_answers` and `pulse_comments`, which hold no
# person, no timestamp and no sequence: only the round (its period), the department and the
# tenure band. Their keys are random (uuid4), and on SQLite the tables are WITHOUT ROWID, so
# neither a key nor the storage order follows the order of answering; when a round closes its
# answers are re-written in one transaction in random order with new keys (`pulse.seal_round`),
# which also removes the physical insertion order and transaction ids PostgreSQL keeps.


class Schedule(str, enum.Enum):
    once = "once"
    monthly = "monthly"
    quarterly = "quarterly"


class QuestionKind(str, enum.Enum):
    #: 0-10, "how likely is it that you would recommend ..."
    enps = "enps"
    #: 1-5, strongly disagree .. strongly agree
    likert = "likert"
    #: free text, optional
    text = "text"


pulse_survey_departments = db.Table(
    "pulse_survey_departments",
    db.Column("survey_id", ForeignKey("pulse_surveys.id", ondelete="CASCADE"), primary_key=True),
    db.Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class PulseSurvey(db.Model):
    """A pulse survey HR defines: its questions, schedule and audience."""

    __tablename__ = "pulse_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: the name put into the eNPS question ("... recommend [organisation] as a place to work?")
    organisation: Mapped[str] = mapped_column(String(120))
    schedule: Mapped[Schedule] = mapped_column(string_enum(Schedule))
    #: the first round opens on this day; later rounds on the same day of each month or quarter
    starts_on: Mapped[date] = mapped_column(Date)
    #: a round stays open this many days
    open_days: Mapped[int] = mapped_column(Integer, default=14)
    #: everyone employed, or only the departments in `departments` (with their sub-departments)
    is_all_staff: Mapped[bool] = mapped_column(Boolean, default=True)
    #: no further rounds open once False
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questions: Mapped[list[PulseQuestion]] = relationship(
        back_populates="survey", order_by="PulseQuestion.position", cascade="all, delete-orphan")
    departments: Mapped[list[Department]] = relationship(secondary=pulse_survey_departments)
    rounds: Mapped[list[PulseRound]] = relationship(back_populates="survey", order_by="PulseRound.opens_on")

    __table_args__ = (CheckConstraint("open_days BETWEEN 1 AND 60", name="pulse_open_days"),)

    def __repr__(self) -> str:
        return f"<PulseSurvey {self.id} {self.title!r} {self.schedule.value}>"


class PulseQuestion(db.Model):
    """One question of a survey."""

    __tablename__ = "pulse_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[QuestionKind] = mapped_column(string_enum(QuestionKind))
    #: enps, growth, manager, workload, belonging, stay, comment or custom
    topic: Mapped[str] = mapped_column(String(20))
    #: the wording HR chose ("" for the standard wording of the topic, translated for each reader)
    text: Mapped[str] = mapped_column(String(300), default="")

    survey: Mapped[PulseSurvey] = relationship(back_populates="questions")

    def __repr__(self) -> str:
        return f"<PulseQuestion {self.id} {self.kind.value} {self.topic}>"


class PulseRound(db.Model):
    """One sending of a survey, for one period (e.g. "2026-11" or "2026-Q4")."""

    __tablename__ = "pulse_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    opens_on: Mapped[date] = mapped_column(Date)
    #: last day answers are taken
    closes_on: Mapped[date] = mapped_column(Date)
    #: answers re-written in random order after closing; results are shown only then
    is_sealed: Mapped[bool] = mapped_column(Boolean, default=False)

    survey: Mapped[PulseSurvey] = relationship(back_populates="rounds")

    __table_args__ = (UniqueConstraint("survey_id", "period", name="uq_pulse_rounds_survey_period"),)

    def __repr__(self) -> str:
        return f"<PulseRound {self.id} survey={self.survey_id} {self.period}>"

    def is_open_on(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on and not self.is_sealed


class PulseInvitation(db.Model):
    """Who was asked in a round and whether they have answered, never what or when."""

    __tablename__ = "pulse_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: True once answered; deliberately no time of answering
    has_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the day a reminder went out (at most one per round)
    reminded_on: Mapped[date | None] = mapped_column(Date)

    round: Mapped[PulseRound] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_pulse_invitations_round_user"),)

    def __repr__(self) -> str:
        return f"<PulseInvitation round={self.round_id} user={self.user_id}>"


class PulseResponse(db.Model):
    """One anonymous set of answers: no person, no time; only round, department and tenure band."""

    __tablename__ = "pulse_responses"

    #: uuid4 hex: no order
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id", ondelete="CASCADE"), index=True)
    #: the respondent's department when they answered (None: not in any)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    #: "<1", "1-2", "2-5" or "5+" years
    tenure_band: Mapped[str] = mapped_column(String(5))

    __table_args__ = ({"sqlite_with_rowid": False},)

    def __repr__(self) -> str:
        return f"<PulseResponse round={self.round_id}>"


class PulseAnswer(db.Model):
    """One scored answer (eNPS 0-10 or Likert 1-5) of one anonymous response."""

    __tablename__ = "pulse_answers"

    response_id: Mapped[str] = mapped_column(ForeignKey("pulse_responses.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("pulse_questions.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("value BETWEEN 0 AND 10", name="pulse_answer_value"),
        {"sqlite_with_rowid": False},
    )

    def __repr__(self) -> str:
        return f"<PulseAnswer q={self.question_id} {self.value}>"


class PulseComment(db.Model):
    """A free-text answer, kept apart from the scores so a comment cannot be joined to them."""

    __tablename__ = "pulse_comments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("pulse_questions.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = ({"sqlite_with_rowid": False},)

    def __repr__(self) -> str:
        return f"<PulseComment round={self.round_id}>"


# --- exit interviews and alumni -----------------------------------------------------------------


class ExitReason(str, enum.Enum):
    """Coded reasons for leaving, the multi-select of the exit questionnaire."""

    career = "career"          # career development
    manager = "manager"        # manager / leadership
    pay = "pay"
    workload = "workload"
    culture = "culture"
    relocation = "relocation"
    personal = "personal"
    opportunity = "opportunity"  # a new opportunity elsewhere
    other = "other"


class WouldReturn(str, enum.Enum):
    yes = "yes"
    maybe = "maybe"
    no = "no"


class ExitInterview(db.Model):
    """The confidential exit questionnaire of one ended employment spell, and HR's interview notes.

    Created (and the leaver invited by e-mail with a single-use link) when the spell gets an end
    date; answers are readable by HR only.
    """

    __tablename__ = "exit_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("employment_spells.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: sha256 hex of the link's token; the token itself is only ever in the e-mail
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: when the invitation e-mail went out (None: not yet sent)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "What could we have done for you to stay?"
    stay_suggestion: Mapped[str] = mapped_column(Text, default="")
    #: "What were the biggest challenges in your job?"
    challenges: Mapped[str] = mapped_column(Text, default="")
    #: "What did you value most?"
    valued: Mapped[str] = mapped_column(Text, default="")
    #: 0-10, would you recommend us as a place to work
    recommend_score: Mapped[int | None] = mapped_column(Integer)
    would_return: Mapped[WouldReturn | None] = mapped_column(string_enum(WouldReturn))
    #: HR's notes from an exit conversation (optional)
    hr_notes: Mapped[str] = mapped_column(Text, default="")
    notes_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reasons: Mapped[list[ExitInterviewReason]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="ExitInterviewReason.reason")

    __table_args__ = (
        CheckConstraint("recommend_score IS NULL OR recommend_score BETWEEN 0 AND 10", name="exit_recommend_score"),
    )

    def __repr__(self) -> str:
        return f"<ExitInterview {self.id} spell={self.spell_id}{' submitted' if self.submitted_at else ''}>"


class ExitInterviewReason(db.Model):
    """One coded reason of an exit interview (the leaver's choice, or HR's coding of the conversation)."""

    __tablename__ = "exit_interview_reasons"

    interview_id: Mapped[int] = mapped_column(ForeignKey("exit_interviews.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[ExitReason] = mapped_column(string_enum(ExitReason), primary_key=True)

    interview: Mapped[ExitInterview] = relationship(back_populates="reasons")

    def __repr__(self) -> str:
        return f"<ExitInterviewReason {self.interview_id} {self.reason.value}>"


class RehireEligibility(str, enum.Enum):
    unknown = "unknown"
    eligible = "eligible"
    not_eligible = "not_eligible"


class AlumniMember(db.Model):
    """A leaver who opted into the alumni list, so boomerangs can be invited back."""

    __tablename__ = "alumni_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: where to reach them after the work address is closed
    contact_email: Mapped[str] = mapped_column(String(255))
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set when they leave the list; the row stays so the history of invitations is kept
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: HR's judgement, with who set it
    rehire: Mapped[RehireEligibility] = mapped_column(string_enum(RehireEligibility), default=RehireEligibility.unknown)
    rehire_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rehire_note: Mapped[str] = mapped_column(String(500), default="")
    last_invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<AlumniMember user={self.user_id} {self.rehire.value}>"


# --- engagement, early warning, alerts and actions ----------------------------------------------


class EngagementWeek(db.Model):
    """One person's learning activity in one ISO week (Monday), aggregated from LRS statements only.

    Rebuilt in SQL (`engagement.refresh`) for the recent weeks every night; weeks with no
    statements have no row.
    """

    __tablename__ = "engagement_weeks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    #: distinct days with at least one statement
    active_days: Mapped[int] = mapped_column(Integer, default=0)
    statements: Mapped[int] = mapped_column(Integer, default=0)
    #: completed / passed
    completions: Mapped[int] = mapped_column(Integer, default=0)
    #: forum threads started (asked)
    forum_posts: Mapped[int] = mapped_column(Integer, default=0)
    #: forum replies (responded / commented)
    forum_replies: Mapped[int] = mapped_column(Integer, default=0)
    #: development-plan items completed
    plan_items_done: Mapped[int] = mapped_column(Integer, default=0)
    mentoring_sessions: Mapped[int] = mapped_column(Integer, default=0)
    checkins_held: Mapped[int] = mapped_column(Integer, default=0)
    #: the last statement's time in the week (for "days since last activity")
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<EngagementWeek user={self.user_id} {self.week_start} {self.statements}>"


class RiskRunStatus(str, enum.Enum):
    #: a model was trained, validated and passed the gate: scores are shown
    scored = "scored"
    #: too little history or too few leavers to train or validate honestly
    insufficient = "insufficient"
    #: trained, but validation was below the gate (ROC AUC < 0.70 or unstable): no scores shown
    gated = "gated"


class RiskRun(db.Model):
    """One nightly run of the early-warning model: its validation figures and, if good enough, scores."""

    __tablename__ = "risk_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    horizon_days: Mapped[int] = mapped_column(Integer, default=90)
    status: Mapped[RiskRunStatus] = mapped_column(string_enum(RiskRunStatus))
    #: the `evaluate` JSON: method, n, positives, roc_auc, pr_auc, precision_top10, brier, features,
    #: and calibration by band, folds and spread
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the fitted model's coefficients per feature (and its scaling), for explanations
    model: Mapped[dict] = mapped_column(JSON, default=dict)
    #: a plain-language reason when not scored
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<RiskRun {self.id} {self.as_of} {self.status.value}>"


class RiskScore(db.Model):
    """One person's probability of leaving voluntarily within the run's horizon. HR only; every view is audited."""

    __tablename__ = "risk_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("risk_runs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    probability: Mapped[float] = mapped_column(Float)
    #: low, medium or high (by the run's thresholds)
    band: Mapped[str] = mapped_column(String(10))
    #: the main factors: [{"feature": ..., "value": ..., "effect": +/-log-odds}, ...], largest first
    factors: Mapped[list] = mapped_column(JSON, default=list)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))

    run: Mapped[RiskRun] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("run_id", "user_id", name="uq_risk_scores_run_user"),)

    def __repr__(self) -> str:
        return f"<RiskScore run={self.run_id} user={self.user_id} {self.probability:.2f}>"


class RiskVerdict(str, enum.Enum):
    useful = "useful"
    incorrect = "incorrect"


class RiskFeedback(db.Model):
    """HR's verdict on a score: useful, or incorrectly flagged (with a note)."""

    __tablename__ = "risk_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("risk_scores.id", ondelete="CASCADE"), index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verdict: Mapped[RiskVerdict] = mapped_column(string_enum(RiskVerdict))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<RiskFeedback score={self.score_id} {self.verdict.value}>"


class AlertKind(str, enum.Enum):
    high_risk = "high_risk"
    enps_drop = "enps_drop"
    absence_spike = "absence_spike"
    missed_checkins = "missed_checkins"
    exit_reason = "exit_reason"


class AlertStatus(str, enum.Enum):
    open = "open"
    acted = "acted"
    dismissed = "dismissed"


class RetentionAlert(db.Model):
    """Something HR should look at: a high-risk person, a team's eNPS drop, an absence spike, missed
    check-ins, or an exit reason that repeats. One per kind, scope and period (the nightly run is idempotent)."""

    __tablename__ = "retention_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(string_enum(AlertKind))
    #: "person", "department" or "manager"
    scope: Mapped[str] = mapped_column(String(20))
    scope_id: Mapped[int] = mapped_column(Integer)
    #: the period the alert is about, e.g. "2026-11", "2026-Q4" or a reason code + month
    period: Mapped[str] = mapped_column(String(40))
    #: the figures behind the alert, for its message and evidence
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[AlertStatus] = mapped_column(string_enum(AlertStatus), default=AlertStatus.open)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "scope", "scope_id", "period", name="uq_retention_alerts_key"),)

    def __repr__(self) -> str:
        return f"<RetentionAlert {self.id} {self.kind.value} {self.scope}={self.scope_id} {self.period}>"


class ActionKind(str, enum.Enum):
    mentor_match = "mentor_match"
    development_playlist = "development_playlist"
    manager_conversation = "manager_conversation"
    workload_review = "workload_review"
    other = "other"


class RetentionAction(db.Model):
    """What HR did for a person or a team, usually from an alert; followed up against comparable people."""

    __tablename__ = "retention_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("retention_alerts.id", ondelete="SET NULL"), index=True)
    kind: Mapped[ActionKind] = mapped_column(string_enum(ActionKind))
    #: for one person ...
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: ... or for a team
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    taken_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    alert: Mapped[RetentionAlert | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    department: Mapped[Department | None] = relationship()

    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (department_id IS NULL)", name="action_person_or_team"),
    )

    def __repr__(self) -> str:
        return f"<RetentionAction {self.id} {self.kind.value}>"


class AnalyticsResult(db.Model):
    """A stored result of a heavy group-level analysis (e.g. the retention curves and Cox model),
    computed by the nightly task so the HR page reads it instead of fitting models per request.

    `fingerprint` summarises the data it was computed from; a page shows a stored result whose
    fingerprint no longer matches with a note that the data changed since.
    """

    __tablename__ = "analytics_results"

    #: which analysis, e.g. "retention"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    fingerprint: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the result, with dates, tuples and non-finite numbers tagged (see `analytics.results`)
    data: Mapped[dict] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<AnalyticsResult {self.key} {self.as_of}>"
