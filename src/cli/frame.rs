//! How the output of one workspace joins the others' under `--all-workspaces`: one JSON array,
//! one CSV header, a blank line between reports.

use std::cell::Cell;

/// How one workspace's document joins the others in standard output.
#[derive(Debug, Default)]
pub struct Frame {
    /// Part of an `--all-workspaces` run.
    many: bool,
    /// A workspace printed something already.
    printed: Cell<bool>,
}

impl Frame {
    /// A single workspace: printed as it always was.
    pub fn alone() -> Frame {
        Frame::default()
    }

    /// Several workspaces, one after the other.
    pub fn many() -> Frame {
        Frame {
            many: true,
            printed: Cell::new(false),
        }
    }

    /// Whether this is an `--all-workspaces` run.
    pub fn is_many(&self) -> bool {
        self.many
    }

    /// Before a JSON document: the comma between two elements of the array.
    pub fn before_json(&self) {
        if self.many && self.printed.replace(true) {
            print!(",");
        }
    }

    /// Before a text report: a blank line between two workspaces.
    pub fn before_text(&self) {
        if self.many && self.printed.replace(true) {
            println!();
        }
    }

    /// CSV text with its header only for the first workspace.
    pub fn csv_rows<'a>(&self, csv: &'a str) -> &'a str {
        if self.many && self.printed.replace(true) {
            csv.split_once('\n').map(|(_, rows)| rows).unwrap_or("")
        } else {
            csv
        }
    }
}
