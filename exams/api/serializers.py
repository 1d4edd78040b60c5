"""Request and response shapes of the exams API (validation and the OpenAPI schema)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# A text answer longer than this is refused (a case analysis is a few thousand characters).
TEXT_MAX_LENGTH = 20_000
# client_ts is milliseconds since the epoch; bigint in the database.
CLIENT_TS_MAX = 2**53


class AttemptEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["left_page", "fullscreen_exit", "paste",
                                            "offline_save"])
    duration_ms = serializers.IntegerField(required=False, min_value=0,
                                           help_text="How long the broker was away or offline.")
    ago_ms = serializers.IntegerField(required=False, min_value=0,
                                      help_text="How long before this report it happened.")
    item_id = serializers.IntegerField(required=False, help_text="The answer pasted into.")
    chars = serializers.IntegerField(required=False, min_value=0,
                                     help_text="Characters pasted (never the text).")
    answers = serializers.IntegerField(required=False, min_value=0,
                                       help_text="Answers sent after the offline gap.")


class AttemptEventsRequestSerializer(serializers.Serializer):
    events = AttemptEventSerializer(many=True)


class AttemptEventsResponseSerializer(serializers.Serializer):
    recorded = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False, help_text="e.g. \"closed\"")


@extend_schema_field(OpenApiTypes.ANY)
class AnswerValueField(serializers.JSONField):
    """single: "B"; multiple: ["A", "C"]; truefalse: true/false; fillin: ["text per blank"];
    short/case: "text". null clears the answer."""


class AnswerSaveRequestSerializer(serializers.Serializer):
    value = AnswerValueField(allow_null=True)
    client_ts = serializers.IntegerField(
        min_value=0, max_value=CLIENT_TS_MAX,
        help_text="The browser's clock in ms when the answer was given, strictly increasing "
        "per device. The server keeps the answer with the highest client_ts.",
    )
    elapsed_ms = serializers.IntegerField(
        required=False, min_value=0,
        help_text="Optional: time spent on this question so far, in ms (item statistics).",
    )
    sent_ts = serializers.IntegerField(
        required=False, min_value=0, max_value=CLIENT_TS_MAX,
        help_text="Optional: the browser's clock in ms when this request was sent. The "
        "answer's age (sent_ts - client_ts) is then measured on the device's own clock; "
        "without it, against the server's. An answer older than the sitting's offline "
        "threshold is logged by the server as an offline gap in the attempt's integrity log.",
    )


class AnswerSaveResponseSerializer(serializers.Serializer):
    saved = serializers.BooleanField(help_text="Whether this request's value is now stored.")
    stale = serializers.BooleanField(
        help_text="True when an answer with a newer client_ts was already stored (kept)."
    )
    saved_at = serializers.DateTimeField(help_text="The server's time of the save.")


class OptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()


class AttemptItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField(help_text="1-based.")
    type = serializers.ChoiceField(
        choices=["single", "multiple", "truefalse", "fillin", "short", "case"])
    stem = serializers.CharField()
    options = OptionSerializer(many=True, help_text="In this attempt's order.")
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    blanks = serializers.IntegerField(help_text="Fill-in: the number of blanks; else 0.")
    images = serializers.DictField(
        child=serializers.CharField(), required=False,
        help_text="The stem's images: {name: URL}; the stem shows each as [[image:name]] or "
                  "[[image:name|alternative text]]. The URL needs the examinee's session.")


class SavedAnswerSerializer(serializers.Serializer):
    value = AnswerValueField(allow_null=True)
    client_ts = serializers.IntegerField()


class AttemptPayloadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sitting = serializers.IntegerField()
    number = serializers.IntegerField()
    deadline = serializers.DateTimeField()
    server_now = serializers.DateTimeField(
        help_text="The server's clock: count down to the deadline from this, not from the "
        "device's clock.")
    status = serializers.CharField()
    items = AttemptItemSerializer(many=True)
    answers = serializers.DictField(child=SavedAnswerSerializer(),
                                    help_text="Saved answers by item id.")


class SubmitResponseSerializer(serializers.Serializer):
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()


class AreaResultSerializer(serializers.Serializer):
    area = serializers.CharField(allow_null=True, help_text="Course area code")
    name = serializers.CharField()
    score = serializers.DecimalField(max_digits=8, decimal_places=2)
    max_score = serializers.DecimalField(max_digits=8, decimal_places=2)
    percent = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class ResultSerializer(serializers.Serializer):
    attempt = serializers.IntegerField()
    sitting = serializers.IntegerField()
    sitting_title = serializers.CharField()
    paper = serializers.IntegerField()
    number = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    released_at = serializers.DateTimeField()
    score = serializers.DecimalField(max_digits=8, decimal_places=2)
    max_score = serializers.DecimalField(max_digits=8, decimal_places=2)
    percent = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    pass_mark = serializers.DecimalField(max_digits=5, decimal_places=2)
    passed = serializers.BooleanField(allow_null=True)
    areas = AreaResultSerializer(many=True)


# --- Grading ------------------------------------------------------------------------------

class RubricCriterionSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)


class GradingQueueEntrySerializer(serializers.Serializer):
    answer = serializers.IntegerField(help_text="Answer id: POST its mark to "
                                      "/grading/answers/{id}/mark/.")
    attempt_code = serializers.CharField(help_text="The anonymous answer code.")
    sitting = serializers.IntegerField()
    sitting_title = serializers.CharField()
    anonymous = serializers.BooleanField()
    broker = serializers.DictField(
        allow_null=True, child=serializers.CharField(),
        help_text="{\"name\": ...} when the sitting is not graded anonymously; else null.")
    question_type = serializers.CharField()
    stem = serializers.CharField()
    value = AnswerValueField(allow_null=True)
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    rubric = RubricCriterionSerializer(many=True)
    round = serializers.IntegerField(help_text="The round your mark would be: 1, 2 or 3 "
                                     "(moderation).")
    submitted_at = serializers.DateTimeField()


class GradingClaimRequestSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        min_value=1, max_value=50, default=1,
        help_text="How many answers to claim (the ones you hold already count first).")
    sitting = serializers.IntegerField(required=False, help_text="Only this sitting.")
    moderation = serializers.BooleanField(
        default=False, help_text="Only answers waiting for a third mark (moderation).")


@extend_schema_field({"oneOf": [
    {"type": "number"},
    {"type": "object", "properties": {"criterion": {"type": "string"},
                                      "score": {"type": "number"}}, "required": ["score"]},
]})
class CriterionScoreField(serializers.JSONField):
    """A criterion's score: a number (rubric order) or {"criterion": name, "score": n}."""


class MarkRequestSerializer(serializers.Serializer):
    criteria = serializers.ListField(
        child=CriterionScoreField(), required=False,
        help_text="One score per rubric criterion: numbers in the rubric's order, or "
        "objects matched by criterion name. The service checks each against the rubric.")
    score = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0,
                                     required=False,
                                     help_text="Only for a question without a rubric.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class MarkResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    answer = serializers.IntegerField()
    round = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    criteria = serializers.ListField(child=serializers.DictField())
    comment = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField()
    grading_status = serializers.CharField(help_text="The answer's status after this mark.")
    final_score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
