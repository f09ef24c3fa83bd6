//! The database schema as numbered migrations. The program brings an older database up to
//! date at start-up (`PRAGMA user_version` records how far it is); a migration is never
//! edited once released, only followed by a new one.

/// Migration `i` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: submissions, responses and row issues.
    r#"
    CREATE TABLE submission (
        id             INTEGER PRIMARY KEY,
        sha256         TEXT NOT NULL,
        original_name  TEXT NOT NULL,       -- path relative to the inbox, as received
        size           INTEGER NOT NULL,
        format         TEXT,                -- xlsx xlsb xls ods
        submitter_code TEXT,
        submitter_name TEXT,
        kind           TEXT CHECK (kind IN ('monthly', 'quarterly', 'frame')),
        period         TEXT,                -- 2026-10 or 2026Q4
        received_at    TEXT NOT NULL,       -- local time of ingestion
        status         TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded')),
        superseded_by  INTEGER REFERENCES submission(id),
        rows_accepted  INTEGER NOT NULL DEFAULT 0,
        rows_rejected  INTEGER NOT NULL DEFAULT 0,
        reason         TEXT,                -- why it was rejected (Chinese)
        notes          TEXT,                -- remarks such as ignored columns
        stored_path    TEXT NOT NULL,       -- where the file goes: archive/<period>/… or rejected/…
        filed          INTEGER NOT NULL DEFAULT 0  -- 1 once the file is at stored_path
    );
    CREATE INDEX submission_sha ON submission(sha256);
    CREATE INDEX submission_slot ON submission(submitter_code, kind, period, status);
    CREATE INDEX submission_period ON submission(kind, period, status);

    CREATE TABLE response (
        id             INTEGER PRIMARY KEY,
        submission_id  INTEGER NOT NULL REFERENCES submission(id),
        row_no         INTEGER NOT NULL,
        survey_date    TEXT,
        method         TEXT,
        user_name      TEXT NOT NULL,
        user_type      TEXT,
        usage_nature   TEXT,
        monthly_usage  REAL,
        phone          TEXT,
        enterprise     TEXT NOT NULL,
        utility        TEXT NOT NULL,
        county         TEXT NOT NULL,
        opinion        TEXT,
        suggestion     TEXT,
        answers        TEXT NOT NULL        -- JSON object: item id -> canonical answer
    );
    CREATE INDEX response_submission ON response(submission_id);

    CREATE TABLE row_issue (
        id             INTEGER PRIMARY KEY,
        submission_id  INTEGER NOT NULL REFERENCES submission(id),
        row_no         INTEGER NOT NULL,
        cell           TEXT NOT NULL,
        value          TEXT NOT NULL,
        problem        TEXT NOT NULL
    );
    CREATE INDEX row_issue_submission ON row_issue(submission_id);
    "#,
    // 2: improvement items and their status in each period they were reported in.
    r#"
    CREATE TABLE improvement_item (
        id             TEXT PRIMARY KEY,    -- <raised period>-<enterprise>-<indicator>-<rule>
        kind           TEXT NOT NULL,       -- monthly | quarterly
        enterprise     TEXT NOT NULL,
        indicator      TEXT NOT NULL,
        rule           TEXT NOT NULL,
        severity       TEXT NOT NULL,
        raised_period  TEXT NOT NULL,
        due_date       TEXT NOT NULL,
        finding        TEXT NOT NULL,
        measure        TEXT NOT NULL,
        responsible    TEXT NOT NULL
    );
    CREATE TABLE improvement_status (
        item_id        TEXT NOT NULL REFERENCES improvement_item(id),
        period         TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('new', 'open', 'overdue', 'resolved')),
        PRIMARY KEY (item_id, period)
    );
    -- Periods whose scored returns changed since their outputs were last written; set in
    -- the same transaction as the change, cleared once the outputs are written.
    CREATE TABLE stale_period (
        period         TEXT PRIMARY KEY
    );
    "#,
    // 3: where files go is looked up once per file.
    r#"
    CREATE INDEX submission_stored_path ON submission(stored_path);
    "#,
    // 4: the exact bytes of the path a file was received at (names need not be UTF-8), and
    // the inbox entries that are not files (links, FIFOs), reported once.
    r#"
    ALTER TABLE submission ADD COLUMN source_path BLOB;
    ALTER TABLE submission ADD COLUMN warnings TEXT;   -- what the submitter must know, one a line
    CREATE TABLE skipped_entry (
        path           BLOB PRIMARY KEY,
        kind           TEXT NOT NULL,
        first_seen     TEXT NOT NULL
    );
    "#,
    // 5: the sheet a return's rows were read from (the detail workbook names it).
    r#"
    ALTER TABLE submission ADD COLUMN sheet TEXT;
    "#,
    // 6: what was delivered to whom (SPEC §9a): each document a recipient got for a period,
    // by channel (outbox, mail), with the hash of what was delivered, the attempts and the
    // last result. A document is delivered again only when its hash changes.
    r#"
    CREATE TABLE delivery (
        recipient      TEXT NOT NULL,
        period         TEXT NOT NULL,
        document       TEXT NOT NULL,
        channel        TEXT NOT NULL CHECK (channel IN ('outbox', 'mail')),
        sha256         TEXT NOT NULL,          -- of the document last tried
        delivered_sha  TEXT,                   -- of the document last delivered
        attempts       INTEGER NOT NULL DEFAULT 0,
        result         TEXT NOT NULL,          -- 'delivered', or why it failed
        at             TEXT NOT NULL,
        PRIMARY KEY (recipient, period, document, channel)
    );
    "#,
    // 7: files received again with the same bytes as a return in force: not recorded as
    // returns, but counted, so that received = accepted + rejected + superseded + duplicates.
    r#"
    CREATE TABLE duplicate_receipt (
        id             INTEGER PRIMARY KEY,
        of_submission  INTEGER NOT NULL REFERENCES submission(id),
        original_name  TEXT NOT NULL,
        received_at    TEXT NOT NULL
    );
    "#,
    // 8: quarterly call-back draws (SPEC §7): the seed and parameters of each draw, and who
    // was drawn; the latest draw of a quarter is the one in force.
    r#"
    CREATE TABLE sample_draw (
        id             INTEGER PRIMARY KEY,
        quarter        TEXT NOT NULL,
        seed           INTEGER NOT NULL,
        parameters     TEXT NOT NULL,          -- JSON: method, sizes per enterprise, exclusion
        drawn_at       TEXT NOT NULL
    );
    CREATE TABLE sample_member (
        draw_id        INTEGER NOT NULL REFERENCES sample_draw(id),
        enterprise     TEXT NOT NULL,
        user_name      TEXT NOT NULL,
        phone          TEXT NOT NULL,
        user_type      TEXT,
        county         TEXT,
        surveyor       INTEGER
    );
    CREATE INDEX sample_member_draw ON sample_member(draw_id);
    "#,
    // 9: where a document was placed in the outbox: a document is placed once per version, and
    // again only when the outbox moves (`[delivery] outbox` changed), not when the recipient
    // took it out.
    r#"
    ALTER TABLE delivery ADD COLUMN place TEXT;
    "#,
    // 10: call-back users who were not reached (未回访原因: 未接通, 空号, 拒访, 停机, 其他), kept
    // with the accepted quarterly return that says so; counted against the quarter's draw.
    r#"
    CREATE TABLE not_reached (
        submission_id  INTEGER NOT NULL REFERENCES submission(id),
        row_no         INTEGER NOT NULL,
        enterprise     TEXT NOT NULL,
        user_name      TEXT NOT NULL,
        phone          TEXT,
        reason         TEXT NOT NULL,
        note           TEXT               -- what the surveyor wrote beside it (意见或投诉)
    );
    CREATE INDEX not_reached_submission ON not_reached(submission_id);
    "#,
    // 11: 退回通知 (SPEC §8) are due for files rejected from now on: the rejections recorded
    // before this version were answered by other means, and are not sent out all at once.
    r#"
    CREATE TABLE notice_start (after_submission INTEGER NOT NULL);
    INSERT INTO notice_start SELECT coalesce(max(id), 0) FROM submission;
    "#,
    // 12: releases (SPEC §9b): every issued version of a period, never changed once written.
    r#"
    CREATE TABLE release (
        period      TEXT NOT NULL,          -- 2026-10 or 2026Q4
        version     INTEGER NOT NULL,       -- 1, 2 …: the second and later are corrections
        signer      TEXT NOT NULL,          -- 签发人
        released_on TEXT NOT NULL,          -- the release date, YYYY-MM-DD
        number      TEXT,                   -- 文号
        depends_on  TEXT NOT NULL,          -- the configuration's dependency hash
        scores      TEXT NOT NULL,          -- fingerprint of the results issued (scores.json's results)
        inputs      TEXT NOT NULL,          -- JSON: the returns in force [{path, sha256}]
        figures     TEXT NOT NULL,          -- JSON: each enterprise's composite and n
        PRIMARY KEY (period, version)
    );
    "#,
    // 13: complaint cases (差评件, SPEC §11), opened when their period is released.
    r#"
    CREATE TABLE complaint_case (
        number       TEXT PRIMARY KEY,      -- 2026-09-GS01-007
        period       TEXT NOT NULL,
        enterprise   TEXT NOT NULL,         -- the enterprise's code
        response_id  INTEGER NOT NULL UNIQUE REFERENCES response(id),
        aspects      TEXT NOT NULL,         -- the unfavourable answers, one per line
        opened_on    TEXT NOT NULL,         -- the release date
        callback_due TEXT NOT NULL,
        rectify_due  TEXT NOT NULL,
        estimated    INTEGER NOT NULL DEFAULT 0  -- a deadline counted Monday to Friday
    );
    CREATE INDEX complaint_case_enterprise ON complaint_case(enterprise, period);
    "#,
    // 14: what comes back of the loop (SPEC §11): filled ledgers (整改反馈) and appeal reviews
    // (申诉复核) as received, each row they report (every report kept, the latest wins), and
    // the responses an upheld appeal excludes from every score.
    r#"
    CREATE TABLE loop_file (
        id             INTEGER PRIMARY KEY,
        sha256         TEXT NOT NULL,
        original_name  TEXT NOT NULL,       -- path relative to the inbox, as received
        size           INTEGER NOT NULL,
        submitter_code TEXT,
        kind           TEXT NOT NULL CHECK (kind IN ('ledger', 'review')),
        enterprise     TEXT,                -- a ledger's enterprise
        period         TEXT,                -- its 所属期
        received_at    TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
        rows_accepted  INTEGER NOT NULL DEFAULT 0,
        rows_rejected  INTEGER NOT NULL DEFAULT 0,
        reason         TEXT,                -- why it was rejected whole (Chinese)
        problems       TEXT,                -- JSON [[place, why]] of the rows sent back
        stored_path    TEXT NOT NULL,
        filed          INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX loop_file_sha ON loop_file(sha256);
    CREATE TABLE item_report (
        item_id     TEXT NOT NULL,
        enterprise  TEXT NOT NULL,
        file_id     INTEGER NOT NULL REFERENCES loop_file(id),
        row_no      INTEGER NOT NULL,
        measures    TEXT, department TEXT, progress TEXT, done_on TEXT, note TEXT
    );
    CREATE INDEX item_report_item ON item_report(item_id);
    CREATE TABLE case_report (
        case_number   TEXT NOT NULL REFERENCES complaint_case(number),
        file_id       INTEGER NOT NULL REFERENCES loop_file(id),
        row_no        INTEGER NOT NULL,
        called_on     TEXT, call_result TEXT, verified TEXT, measures TEXT, done_on TEXT,
        user_rating   TEXT, appeal INTEGER NOT NULL DEFAULT 0, appeal_reason TEXT
    );
    CREATE INDEX case_report_case ON case_report(case_number);
    CREATE TABLE appeal_review (
        case_number  TEXT NOT NULL REFERENCES complaint_case(number),
        file_id      INTEGER NOT NULL REFERENCES loop_file(id),
        row_no       INTEGER NOT NULL,
        upheld       INTEGER NOT NULL,      -- 复核结论: 1 成立, 0 不成立
        opinion      TEXT,                  -- 复核意见
        decided_by   TEXT NOT NULL,         -- the unit that returned the review
        decided_on   TEXT NOT NULL          -- the day it was received
    );
    CREATE INDEX appeal_review_case ON appeal_review(case_number);
    "#,
    // 15: unscheduled sampled surveys (不定期抽查, SPEC §13): their kind, and the survey's name
    // (调查名称) — returns of two surveys of one month do not replace each other. SQLite cannot
    // change a CHECK constraint in place: the table is rebuilt, its rows and ids kept.
    r#"
    CREATE TABLE submission_new (
        id             INTEGER PRIMARY KEY,
        sha256         TEXT NOT NULL,
        original_name  TEXT NOT NULL,       -- path relative to the inbox, as received
        size           INTEGER NOT NULL,
        format         TEXT,                -- xlsx xlsb xls ods
        submitter_code TEXT,
        submitter_name TEXT,
        kind           TEXT CHECK (kind IN ('monthly', 'quarterly', 'frame', 'adhoc')),
        period         TEXT,                -- 2026-10 or 2026Q4
        received_at    TEXT NOT NULL,       -- local time of ingestion
        status         TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded')),
        superseded_by  INTEGER REFERENCES submission(id),
        rows_accepted  INTEGER NOT NULL DEFAULT 0,
        rows_rejected  INTEGER NOT NULL DEFAULT 0,
        reason         TEXT,                -- why it was rejected (Chinese)
        notes          TEXT,                -- remarks such as ignored columns
        stored_path    TEXT NOT NULL,       -- where the file goes: archive/<period>/… or rejected/…
        filed          INTEGER NOT NULL DEFAULT 0,  -- 1 once the file is at stored_path
        source_path    BLOB,
        warnings       TEXT,
        sheet          TEXT,
        survey_name    TEXT                 -- 调查名称 of an unscheduled survey
    );
    INSERT INTO submission_new (id, sha256, original_name, size, format, submitter_code, submitter_name, kind,
        period, received_at, status, superseded_by, rows_accepted, rows_rejected, reason, notes, stored_path,
        filed, source_path, warnings, sheet)
    SELECT id, sha256, original_name, size, format, submitter_code, submitter_name, kind,
        period, received_at, status, superseded_by, rows_accepted, rows_rejected, reason, notes, stored_path,
        filed, source_path, warnings, sheet
    FROM submission;
    DROP TABLE submission;
    ALTER TABLE submission_new RENAME TO submission;
    CREATE INDEX submission_sha ON submission(sha256);
    CREATE INDEX submission_slot ON submission(submitter_code, kind, period, status);
    CREATE INDEX submission_period ON submission(kind, period, status);
    CREATE INDEX submission_stored_path ON submission(stored_path);
    "#,
    // 16: the year's releases (SPEC §13): every issued version of a year's assessment.
    r#"
    CREATE TABLE year_release (
        year        INTEGER NOT NULL,
        version     INTEGER NOT NULL,
        signer      TEXT NOT NULL,
        released_on TEXT NOT NULL,
        number      TEXT,
        scores      TEXT NOT NULL,          -- fingerprint of the year's results issued
        PRIMARY KEY (year, version)
    );
    "#,
];
