//! Lifecycle scenarios over HTTP, written once and run against every backend combination
//! (see `e2e_embedded.rs` and `e2e_production.rs`).
#![allow(dead_code)]

mod admin;
mod assignment;
mod buildings;
mod calendar;
mod catalogue;
mod clocks;
mod directory;
mod escalation;
mod guarantees;
mod input;
mod lifecycle;
mod listing;
mod metrics;
mod milestones;
mod paths;
mod reoffer;
mod routing;
mod support;
mod whistle;

pub use admin::*;
pub use assignment::*;
pub use buildings::*;
pub use calendar::*;
pub use catalogue::*;
pub use clocks::*;
pub use directory::*;
pub use escalation::*;
pub use guarantees::*;
pub use input::*;
pub use lifecycle::*;
pub use listing::*;
pub use metrics::*;
pub use milestones::*;
pub use paths::*;
pub use reoffer::*;
pub use routing::*;
pub use whistle::*;

/// Generates one `#[tokio::test]` per scenario for a backend constructor.
#[macro_export]
macro_rules! scenarios {
    ($backends:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let backends = $backends;
                let app = common::spawn_app(&backends).await;
                let run = tokio::time::timeout(std::time::Duration::from_secs(180), scenarios::$name(&app));
                assert!(run.await.is_ok(), "scenario {} did not finish within 180 s", stringify!($name));
                app.stop().await;
            }
        )+
    };
}

/// Every scenario, once per backend combination: the one list both suites share, so no scenario
/// can be forgotten on one stack.
#[macro_export]
macro_rules! all_scenarios {
    ($backends:expr) => {
        scenarios!($backends;
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
            calendar_preview,
            calendar_admin_adds_next_year,
            routing_precedence,
            facility_and_border_routing,
            bad_imports_change_nothing,
            case_keeps_its_catalogue_version,
            assignment_policies_inside_a_unit,
            directory_items_over_http,
            buildings_under_grids,
            sla_clocks_and_timers,
            clocks_across_extension_rework_reopen,
            sla_escalation_chain,
            sla_policy_from_the_catalogue,
            sla_auto_redispatch_when_unsigned,
            sla_metrics_report,
            milestones_reported_over_http,
            whistle_and_report_in,
            unit_calendars_and_held_clocks,
            unit_calendar_must_be_in_force,
            unsigned_offer_is_reoffered,
        );
        scenarios!({ let mut b = $backends; b.duplicate_radius_m = 50; b }; duplicates_are_held_and_merged);
    };
}
