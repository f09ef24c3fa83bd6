//! The integration tests: the real executable in temporary deployments, on real
//! workbooks, checking exit codes, output, the files moved and the database.

mod support;

mod adhoc;
mod annual;
mod calendar;
mod commands;
mod config_checks;
mod delivery;
mod deployment;
mod detail;
mod exports;
mod feedback;
mod file_errors;
mod highlights;
mod hostile;
mod intake_trust;
mod integrity;
mod issue17_reports;
mod layers;
mod lifecycle;
mod loopback;
mod loose_ends;
mod model;
mod mutated;
mod public;
mod rectification;
mod release;
mod reports;
mod row_errors;
mod samples;
mod sampling;
mod scores;
mod summary;
mod tools;
mod usage;
mod users;
mod variants;
mod wording;
