"""The names Slack sends back to us: button action ids, modal callback ids, metadata types."""

from __future__ import annotations

SEND_DRAFT = "mdg_send_draft"
EDIT_SEND = "mdg_edit_send"
TAKE = "mdg_take"
NO_REPLY = "mdg_no_reply"
CLOSE = "mdg_close"
REOPEN = "mdg_reopen"
FULL_MAIL = "mdg_full_mail"
CANCEL_SEND = "mdg_cancel_send"
SEND_ANYWAY = "mdg_send_anyway"
POLICY_EDIT = "mdg_policy_edit"

# Buttons whose work is done from the store after the ack.
STORED_ACTIONS = (SEND_DRAFT, TAKE, NO_REPLY, CLOSE, REOPEN, CANCEL_SEND, SEND_ANYWAY)
# Buttons that open a modal: the trigger id expires in 3 s, so they run at once.
MODAL_ACTIONS = (EDIT_SEND, POLICY_EDIT, FULL_MAIL)

EDIT_VIEW = "mdg_edit_view"
EDIT_BLOCK = "mdg_reply_block"
EDIT_INPUT = "mdg_reply_input"

# Message metadata on everything the desk posts: finds a post after a crash mid-call.
METADATA_TYPE = "madoguchi_post"
