//! `init DIR`: a working starter deployment: the config (the sample registry, to edit),
//! the folders, an editable copy of the scheme, and blank return forms.

use std::path::PathBuf;

use anyhow::Context;

use crate::cmd::Exit;
use crate::config::Config;
use crate::period::ReturnKind;
use crate::render::form::{FormSpec, write_form};
use crate::scheme::DEFAULT_SCHEME;
use crate::topics::DEFAULT_TOPICS;

/// The starter registry: the same as the committed samples'.
const STARTER_CONFIG: &str = include_str!("../../samples/utility-eval.toml");

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 目标目录(不存在则创建;已有配置文件时不覆盖)
    #[arg(value_name = "目录")]
    pub dir: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<Exit> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    let config_path = dir.join("utility-eval.toml");
    if config_path.exists() {
        anyhow::bail!("{} 已存在,未做任何改动", config_path.display());
    }
    let scheme_path = dir.join("templates/scheme.toml");
    std::fs::create_dir_all(scheme_path.parent().expect("has a parent"))?;
    if !scheme_path.exists() {
        std::fs::write(&scheme_path, DEFAULT_SCHEME)?;
    }
    let topics_path = dir.join("templates/topics.toml");
    if !topics_path.exists() {
        std::fs::write(&topics_path, DEFAULT_TOPICS)?;
    }
    let report_path = dir.join("templates/report.toml");
    if !report_path.exists() {
        std::fs::write(&report_path, crate::wording::DEFAULT_WORDING)?;
    }
    let calendar_path = dir.join("templates/calendar.toml");
    if !calendar_path.exists() {
        std::fs::write(&calendar_path, crate::calendar::DEFAULT_CALENDAR)?;
    }
    let text = STARTER_CONFIG.replacen(
        "city = ",
        "scheme = \"templates/scheme.toml\"\ntopics = \"templates/topics.toml\"\nreport = \"templates/report.toml\"\ncalendar = \"templates/calendar.toml\"\ncity = ",
        1,
    );
    // The sample's contact is Tianmen's: a new deployment writes its own before its first
    // release (which refuses without one).
    let text: String = (text.lines())
        .map(|l| match l.strip_prefix("contact = ") {
            Some(_) => "# contact = \"……(公示期内受理异议的科室、电话、邮箱)\"  # 签发(release)前必须填写".to_string(),
            None => l.to_string(),
        })
        .map(|l| l + "\n")
        .collect();
    let text = format!(
        "# 注意:下面的 city、[[unit]] 和 [[enterprise]] 是天门市的示例,请换成本地的实际城市、填报单位和企业\n\
         # (每个代码在 inbox/ 下有自己的文件夹,每次运行时建好)。\n{text}"
    );
    std::fs::write(&config_path, &text)?;
    let config = Config::load(&config_path)?;
    for d in [
        &config.paths.inbox,
        &config.paths.archive,
        &config.paths.rejected,
        &config.paths.reports,
        &config.paths.public,
    ] {
        std::fs::create_dir_all(d)?;
    }
    if let Some(d) = config.paths.database.parent() {
        std::fs::create_dir_all(d)?;
    }
    crate::run::cron::submitter_folders(&config);
    for kind in ReturnKind::ALL {
        let spec = FormSpec {
            survey: None,
            prefill: &[],
            kind,
            scheme: &config.scheme,
            config: Some(&config),
            submitter: None,
            period: None,
            city: &config.city,
        };
        let out = dir.join("templates").join(format!("{}_报表模板.xlsx", kind.label()));
        write_form(&spec, &out).with_context(|| format!("无法写入 {}", out.display()))?;
    }
    let scheduled = schedule(dir, &config_path)?;
    say!("已在 {} 生成:", dir.display());
    say!(
        "  utility-eval.toml        部署配置(城市、目录、填报单位和企业名单)。其中的城市、单位和企业是{}的示例,请换成本地的实际名单",
        config.city
    );
    say!("  templates/scheme.toml    评价方案(题目、权重、阈值、整改措施)");
    say!("  templates/topics.toml    投诉主题词典(可增删关键词)");
    say!("  templates/report.toml    报告用语(文件名、标题、段落模板)");
    say!("  templates/calendar.toml  工作日历(法定节假日和调休;国务院公布下一年安排后照样添加)");
    say!("  templates/*_报表模板.xlsx 空白报表,发给各单位填写");
    say!("  inbox/<代码>/             各单位、企业的报表放这里(每次运行都会为名单中的每个单位和企业建好文件夹)");
    say!("  utility-eval.service/.timer、utility-eval.cron  定时运行(二选一,见下)");
    say!("然后运行:utility-eval --config {} run", config_path.display());
    say!(
        "定时运行的程序路径是本程序现在的位置 {}(安装到 /usr/local/bin 后再运行 init,或修改下面的文件)",
        std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    );
    say!("定时运行(每 30 分钟),systemd:");
    say!(
        "  cp {0}/utility-eval.service {0}/utility-eval.timer /etc/systemd/system/",
        scheduled.display()
    );
    say!("  systemctl daemon-reload && systemctl enable --now utility-eval.timer");
    say!("或 cron:crontab {}/utility-eval.cron", scheduled.display());
    Ok(Exit::Success)
}

/// A path for a systemd setting that takes one path as it is (`WorkingDirectory=`): no
/// quotes (systemd would keep them as part of the path), only `%` specifiers escaped.
fn systemd_path(s: &str) -> String {
    s.replace('%', "%%")
}

/// A double-quoted word for `Environment=` and `ExecStart=`: C escapes for `\` and `"`, and
/// `%` specifiers escaped. (`$` is left alone: `Environment=` does not expand it, and in
/// `ExecStart=` the program's path is not expanded either; the only other word is `run`.)
fn systemd_quote(s: &str) -> String {
    let escaped = s.replace('\\', "\\\\").replace('"', "\\\"").replace('%', "%%");
    format!("\"{escaped}\"")
}

/// A path for a crontab line: single-quoted for the shell, with cron's % escaped.
fn cron_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''").replace('%', "\\%"))
}

/// Writes a systemd service and timer and a crontab line that run `run` every 30 minutes
/// with this deployment's config; returns the folder they are in.
fn schedule(dir: &std::path::Path, config_path: &std::path::Path) -> anyhow::Result<PathBuf> {
    let dir = std::fs::canonicalize(dir)?;
    let config = dir.join(config_path.file_name().unwrap_or_default());
    let exe = std::env::current_exe().context("无法确定本程序的路径")?;
    let (config_text, dir_text, exe_text) = (
        config.display().to_string(),
        dir.display().to_string(),
        exe.display().to_string(),
    );
    // A line break in a path would end the unit's line (and the crontab's) early.
    if [&config_text, &dir_text, &exe_text]
        .iter()
        .any(|p| p.chars().any(char::is_control))
    {
        anyhow::bail!(
            "路径中含有换行等控制字符,无法写入定时运行的 systemd 单元和 crontab 行:{} {}",
            crate::text::printable(&dir_text),
            crate::text::printable(&exe_text)
        );
    }
    // systemd refuses to run a program whose path holds a quote or a backslash.
    if exe_text.contains(['"', '\\', '\'']) {
        crate::cmd::complain(&format!(
            "注意:本程序的路径 {exe_text} 含有引号或反斜杠,systemd 不接受这样的程序路径;请把程序安装到 /usr/local/bin 并修改 utility-eval.service 的 ExecStart="
        ));
    }
    let service = format!(
        "[Unit]\n\
         Description=供水供气企业服务满意度评价:处理收件箱、出具报告、投递(utility-eval run)\n\
         After=network-online.target\n\
         Wants=network-online.target\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         # 建议用专门的账户运行(文件归它所有):User=utility-eval\n\
         Environment={config}\n\
         # 邮件密码(如配置了 password_env):Environment=UTILITY_EVAL_SMTP_PASSWORD=…,或用 EnvironmentFile=\n\
         WorkingDirectory={dir}\n\
         ExecStart={exe} run\n\
         # 3:有报表或行被退回(正常情况);75:上一次运行尚未结束\n\
         SuccessExitStatus=3 75\n\
         Nice=10\n",
        config = systemd_quote(&format!("UTILITY_EVAL_CONFIG={config_text}")),
        dir = systemd_path(&dir_text),
        exe = systemd_quote(&exe_text)
    );
    let timer = "[Unit]\n\
         Description=每 30 分钟运行一次 utility-eval\n\
         \n\
         [Timer]\n\
         OnCalendar=*:0/30\n\
         Persistent=true\n\
         RandomizedDelaySec=60\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n";
    let cron = format!(
        "# 每 30 分钟运行一次;没有新文件时不输出,cron 不会发邮件\n\
         */30 * * * * UTILITY_EVAL_CONFIG={} {} run\n",
        cron_quote(&config.display().to_string()),
        cron_quote(&exe.display().to_string())
    );
    for (name, text) in [
        ("utility-eval.service", service.as_str()),
        ("utility-eval.timer", timer),
        ("utility-eval.cron", cron.as_str()),
    ] {
        let path = dir.join(name);
        if !path.exists() {
            std::fs::write(&path, text).with_context(|| format!("无法写入 {}", path.display()))?;
        }
    }
    Ok(dir)
}
