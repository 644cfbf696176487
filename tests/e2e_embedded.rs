//! End-to-end lifecycle over HTTP on the embedded stack: SQLite, in-process bus, in-memory live state.

mod common;
mod scenarios;

scenarios!(common::embedded();
    happy_path,
    rework_return_and_redispatch,
    extension_and_suspension,
    bad_input_is_4xx,
    auth_is_enforced,
    idempotent_submission,
    repeated_command_changes_nothing,
    intake_paths,
    supervision_paths,
    listing_and_paging,
);
