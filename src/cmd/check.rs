//! `check FILE…`: validate returns without storing or moving them, and print every
//! problem, so a county office can fix a return before sending it.

use std::path::{Path, PathBuf};

use crate::cmd::Exit;
use crate::config::Config;
use crate::inbox::relative_name;
use crate::store::Store;
use crate::validate::{self, Hint, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 报表文件
    #[arg(required = true, value_name = "文件")]
    pub files: Vec<PathBuf>,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    let mut any = false;
    // What is already stored decides too (a respondent another unit reported this period);
    // the database is only read.
    let mut store = match config.paths.database.is_file() {
        true => Some(Store::open_reader(&config.paths.database)?),
        false => None,
    };
    for f in &args.files {
        let name = crate::text::printable(&f.display().to_string()).into_owned();
        // The same hint `ingest` would take: the folders and the file name.
        let path = std::path::absolute(f).unwrap_or_else(|_| f.clone());
        let hint = Hint::from_path(config, Path::new(&relative_name(&config.paths.inbox, &path)));
        match validate::check_file(config, f, &hint) {
            Outcome::Checked(mut c) => {
                if let Some(store) = store.as_mut() {
                    let user_cell = format!("{}!{}", c.sheet, c.user_column);
                    let dups = store.cross_duplicates(&c.meta, &user_cell, &mut c.responses)?;
                    c.issues.extend(dups);
                    c.issues.sort_by_key(|i| i.row);
                }
                let m = &c.meta;
                let rows = c.responses.len();
                if rows == 0 {
                    say!("{name}:整份退回:没有一行有效数据(共 {} 处问题)", c.issues.len());
                } else {
                    say!(
                        "{name}:{} {} {},有效 {rows} 行,问题 {} 处",
                        m.submitter_name,
                        m.kind.label(),
                        m.period,
                        c.issues.len()
                    );
                }
                for n in &c.warnings {
                    say!("  注意:{n}");
                }
                for n in &c.notes {
                    say!("  提示:{n}");
                }
                for i in &c.issues {
                    say!("  {i}");
                }
                any |= !c.issues.is_empty() || rows == 0;
            }
            Outcome::Rejected { reason, issues, .. } => {
                say!("{name}:整份退回:{reason}");
                for i in &issues {
                    say!("  {i}");
                }
                any = true;
            }
        }
    }
    Ok(if any { Exit::SomeRejected } else { Exit::Success })
}
