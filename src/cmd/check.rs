//! `check FILE…`: validate returns without storing or moving them, and print every
//! problem, so a county office can fix a return before sending it.

use std::path::{Path, PathBuf};

use crate::cmd::Exit;
use crate::config::Config;
use crate::inbox::relative_name;
use crate::validate::{self, Hint, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 报表文件
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    let mut any = false;
    for f in &args.files {
        let name = f.display().to_string();
        // The same hint `ingest` would take: the folders and the file name.
        let path = std::path::absolute(f).unwrap_or_else(|_| f.clone());
        let hint = Hint::from_path(config, Path::new(&relative_name(&config.paths.inbox, &path)));
        match validate::check_file(config, f, &hint) {
            Outcome::Checked(c) => {
                let m = &c.meta;
                println!(
                    "{name}:{} {} {},有效 {} 行,问题 {} 处",
                    m.submitter_name,
                    m.kind.label(),
                    m.period,
                    c.responses.len(),
                    c.issues.len()
                );
                for i in &c.issues {
                    println!("  {i}");
                }
                for n in &c.notes {
                    println!("  提示:{n}");
                }
                any |= !c.issues.is_empty();
            }
            Outcome::Rejected { reason, issues, .. } => {
                println!("{name}:整份退回:{reason}");
                for i in &issues {
                    println!("  {i}");
                }
                any = true;
            }
        }
    }
    Ok(if any { Exit::SomeRejected } else { Exit::Success })
}
