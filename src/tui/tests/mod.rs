//! The TUI's unit and render tests, with their fixtures: `update()` fed messages, and
//! `ui::render` drawn to a `TestBackend` at fixed sizes.

mod audit_view_tests;
mod badge_render_tests;
mod bulk_tests;
mod dc_find_tests;
mod dc_relabel_tests;
mod dc_relabel_worker_tests;
mod dialog_render_tests;
mod drift_tests;
mod fixtures;
mod insight_fixtures;
mod insight_render_tests;
mod insight_tests;
mod journal_view_tests;
mod journal_worker_tests;
mod key_rows_tests;
mod no_cutoff_tests;
mod own_writes_tests;
pub(crate) mod permission_tests;
mod profile_tests;
mod project_failure_tests;
mod query_filter_tests;
mod render_tests;
mod rotate_stage_tests;
mod selection_tests;
mod text_field_tests;
mod update_tests;
mod view_select_tests;
mod worker_tests;
mod workspace_list_tests;
