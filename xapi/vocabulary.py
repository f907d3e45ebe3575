"""The verb and activity-type IRIs the platform records (ADL vocabulary and the xAPI registry)."""

from __future__ import annotations

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"


class Verb:
    """Verbs with their English display names."""

    LAUNCHED = ("http://adlnet.gov/expapi/verbs/launched", "launched")
    INITIALIZED = ("http://adlnet.gov/expapi/verbs/initialized", "initialized")
    EXPERIENCED = ("http://adlnet.gov/expapi/verbs/experienced", "experienced")
    ATTEMPTED = ("http://adlnet.gov/expapi/verbs/attempted", "attempted")
    ANSWERED = ("http://adlnet.gov/expapi/verbs/answered", "answered")
    PASSED = ("http://adlnet.gov/expapi/verbs/passed", "passed")
    FAILED = ("http://adlnet.gov/expapi/verbs/failed", "failed")
    COMPLETED = ("http://adlnet.gov/expapi/verbs/completed", "completed")
    PROGRESSED = ("http://adlnet.gov/expapi/verbs/progressed", "progressed")
    ASKED = ("http://adlnet.gov/expapi/verbs/asked", "asked")
    COMMENTED = ("http://adlnet.gov/expapi/verbs/commented", "commented")
    RESPONDED = ("http://adlnet.gov/expapi/verbs/responded", "responded")
    REGISTERED = ("http://adlnet.gov/expapi/verbs/registered", "registered")
    VOIDED = ("http://adlnet.gov/expapi/verbs/voided", "voided")
    EARNED = ("http://id.tincanapi.com/verb/earned", "earned")
    MENTORED = ("http://id.tincanapi.com/verb/mentored", "mentored")
    ATTENDED = ("http://adlnet.gov/expapi/verbs/attended", "attended")
    #: a forum reply's author received a "helpful" mark on it (Activity Streams 1.0)
    RECEIVED = ("http://activitystrea.ms/schema/1.0/receive", "received")


class ActivityType:
    COURSE = "http://adlnet.gov/expapi/activities/course"
    MODULE = "http://adlnet.gov/expapi/activities/module"
    ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
    QUESTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
    LESSON = "http://adlnet.gov/expapi/activities/lesson"
    MEETING = "http://adlnet.gov/expapi/activities/meeting"
    BADGE = "http://activitystrea.ms/schema/1.0/badge"
    DISCUSSION = "http://id.tincanapi.com/activitytype/discussion"
    GOAL = "http://id.tincanapi.com/activitytype/goal"
    CHECKLIST_ITEM = "http://id.tincanapi.com/activitytype/checklist-item"
    TUTOR_SESSION = "http://id.tincanapi.com/activitytype/tutor-session"
    MEDIA = "http://adlnet.gov/expapi/activities/media"
    FILE = "http://adlnet.gov/expapi/activities/file"
    PERFORMANCE = "http://adlnet.gov/expapi/activities/performance"
    QUESTION_THREAD = "http://id.tincanapi.com/activitytype/forum-reply"
    FORUM_TOPIC = "http://id.tincanapi.com/activitytype/discussion"
    CHECKIN = "http://id.tincanapi.com/activitytype/survey"
    #: a whole checklist, e.g. an onboarding plan (its tasks are CHECKLIST_ITEMs)
    CHECKLIST = "http://id.tincanapi.com/activitytype/checklist"


class Extension:
    """Extension IRIs the platform puts in statements."""

    #: context extension on an onboarding plan's `completed`: days since the start date
    ONBOARDING_DAY = "https://w3id.org/fasthold/xapi/extensions/onboarding-day"


ALL_VERBS = {value[0]: value[1] for name, value in vars(Verb).items() if name.isupper()}
