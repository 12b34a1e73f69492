"""The organization, its theme and genders, the committee and the meeting object with settings.

Why: every meeting in OpenSlides hangs off organization 1 and a committee; the meeting object
carries the settings slides and permission rules read (public access, projector options, poll
defaults), so they are set as the backend would write them for a new meeting.
"""

from __future__ import annotations

from typing import Any

from simulator.generate_store import ExportBuilder
from simulator.generate_words import BASE_TIMESTAMP

MEETING_ID = 1
ORGANIZATION_ID = 1
COMMITTEE_ID = 1

GENDERS = ("male", "female", "diverse", "non-binary")

EMAIL_BODY = (
    "Dear {name},\n\nthis is your personal OpenSlides login:\n\n{url}\nUsername: {username}\n"
    "Password: {password}\n\n\nThis email was generated automatically."
)


def build_organization(builder: ExportBuilder) -> None:
    """Organization 1 with public access enabled, one theme, the genders and an organization tag."""
    builder.add(
        "organization",
        {
            "name": "Generated Organization",
            "description": "An assembly generated for tests and benchmarks.",
            "legal_notice": "<p>Generated data, no legal meaning.</p>",
            "login_text": "Welcome to the generated assembly.",
            "enable_anonymous": True,
            "enable_electronic_voting": True,
            "enable_chat": True,
            "reset_password_verbose_errors": True,
            "require_duplicate_from": False,
            "saml_enabled": False,
            "users_email_body": EMAIL_BODY,
        },
    )
    theme = builder.add("theme", {"name": "OpenSlides Blue"})
    builder.link("theme", theme, "organization_id", ORGANIZATION_ID)
    builder.link("organization", ORGANIZATION_ID, "theme_id", theme)
    for name in GENDERS:
        gender = builder.add("gender", {"name": name})
        builder.link("gender", gender, "organization_id", ORGANIZATION_ID)


def build_committee_and_meeting(builder: ExportBuilder) -> None:
    """The committee and meeting 1 (its groups, projectors and workflows are linked later)."""
    committee = builder.add("committee", {"name": "Plenary", "description": "<p>The plenary assembly.</p>"})
    builder.link("committee", committee, "organization_id", ORGANIZATION_ID)
    meeting = builder.add("meeting", meeting_settings())
    builder.link("meeting", meeting, "committee_id", committee)
    builder.link("meeting", meeting, "default_meeting_for_committee_id", committee)
    builder.link("meeting", meeting, "is_active_in_organization_id", ORGANIZATION_ID)
    tag = builder.add("organization_tag", {"name": "Generated", "color": "#317796"})
    builder.link("organization_tag", tag, "organization_id", ORGANIZATION_ID)
    builder.link("organization_tag", tag, "tagged_ids", committee, "committee")
    builder.link("organization_tag", tag, "tagged_ids", meeting, "meeting")


def meeting_settings() -> dict[str, Any]:
    """Non-relation meeting fields beyond the schema defaults, as in a real OpenSlides export."""
    return {
        "name": "Annual General Assembly",
        "description": "Generated meeting",
        "location": "Congress Centre, Hall A",
        "language": "en",
        "start_time": BASE_TIMESTAMP,
        "end_time": BASE_TIMESTAMP + 2 * 86_400,
        "enable_anonymous": True,
        "welcome_title": "Welcome to the Annual General Assembly",
        "welcome_text": "<p>Agenda, motions and elections of this assembly.</p>",
        "agenda_number_prefix": "TOP",
        "agenda_show_subtitles": False,
        "list_of_speakers_enable_interposed_question": False,
        "list_of_speakers_intervention_time": 60,
        "list_of_speakers_default_structure_level_time": 0,
        "motions_recommendations_by": "Motion Committee",
        "motions_amendments_of_amendments": True,
        "motions_enable_origin_motion_display": True,
        "motions_supporters_min_amount": 1,
        "motions_export_preamble": "",
        "motions_enable_editor": False,
        "motions_enable_working_group_speaker": False,
        "motions_block_slide_columns": 2,
        "motion_poll_default_type": "pseudoanonymous",
        "assignments_export_preamble": "",
        "poll_ballot_paper_selection": "CUSTOM_NUMBER",
        "poll_ballot_paper_number": 8,
        "poll_sort_poll_result_by_votes": True,
        "poll_default_type": "nominal",
        "poll_default_method": "votes",
        "poll_default_onehundred_percent_base": "valid",
        "users_enable_presence_view": True,
        "users_enable_vote_delegations": True,
        "users_pdf_wlan_ssid": "Assembly",
        "users_pdf_wlan_password": "generated",
        "users_email_sender": "Assembly office",
        "users_email_body": EMAIL_BODY,
        "export_pdf_line_height": 1.25,
        "conference_show": False,
    }
