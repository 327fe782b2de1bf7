/**
 * tui/config.h: settings, with precedence flags > environment > config
 * file ($XDG_CONFIG_HOME/iftop-logs/config) > defaults.
 *
 * Every setting has one name used in the file ("max_memory = 512M"), a
 * flag ("--max-memory") and maybe an environment variable (logcli's names
 * where they overlap: LOKI_ADDR, LOKI_USERNAME, ...).  A bad value is an
 * error that names where it came from and the expected form.
 *
 * Credentials (passwords, tokens) are kept here and never printed:
 * config_dump() masks them.
 */
#ifndef LX_TUI_CONFIG_H
#define LX_TUI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sbuf.h"

enum cfg_type { CFG_STR, CFG_BOOL, CFG_INT, CFG_SIZE, CFG_SECRET };

/*    name              flag                env                       type        default  help */
#define CONFIG_ITEMS(_)                                                                                       \
	_(loki_addr, "--addr", "LOKI_ADDR", CFG_STR, "", "Loki base URL (http://host:3100)")                 \
	_(loki_username, "--username", "LOKI_USERNAME", CFG_STR, "", "Loki basic-auth user")                  \
	_(loki_password, "--password", "LOKI_PASSWORD", CFG_SECRET, "", "Loki basic-auth password")           \
	_(loki_org_id, "--org-id", "LOKI_ORG_ID", CFG_STR, "", "X-Scope-OrgID tenant(s), a|b for several")   \
	_(loki_bearer_token, "--bearer-token", "LOKI_BEARER_TOKEN", CFG_SECRET, "", "Loki bearer token")       \
	_(loki_bearer_token_file, "--bearer-token-file", "LOKI_BEARER_TOKEN_FILE", CFG_STR, "",               \
	  "file holding the Loki bearer token")                                                               \
	_(loki_ca_cert, "--ca-cert", "LOKI_CA_CERT_PATH", CFG_STR, "", "CA certificate for Loki TLS")          \
	_(loki_client_cert, "--cert", "LOKI_CLIENT_CERT_PATH", CFG_STR, "", "client certificate")              \
	_(loki_client_key, "--key", "LOKI_CLIENT_KEY_PATH", CFG_STR, "", "client key")                         \
	_(loki_tls_skip_verify, "--tls-skip-verify", "LOKI_TLS_SKIP_VERIFY", CFG_BOOL, "false",                \
	  "do not verify Loki's certificate")                                                                 \
	_(prom_addr, "--prom-addr", "PROMETHEUS_ADDR", CFG_STR, "", "Prometheus base URL (http://host:9090)") \
	_(loki_query, "--loki-query", "IFTOP_LOGS_LOKI_QUERY", CFG_STR, "{job=~\".+\"}",                       \
	  "LogQL selector the live tail follows on Loki")                                                     \
	_(loki_history, "--loki-history", "IFTOP_LOGS_LOKI_HISTORY", CFG_STR, "5m",                             \
	  "how far back the Loki tail starts (like 5m, 1h)")                                                  \
	_(query_chunk, "--query-chunk", "IFTOP_LOGS_QUERY_CHUNK", CFG_STR, "1d",                                \
	  "Explore on Loki: longest time range one request covers (longer queries go in chunks)")            \
	_(files, "--files", "IFTOP_LOGS_FILES", CFG_STR, "/var/log/infrafabric/agents/*.log",                 \
	  "log files or globs to read, comma separated")                                                      \
	_(theme, "--theme", "IFTOP_LOGS_THEME", CFG_STR, "dark", "theme: dark, light, high-contrast, mono or a path") \
	_(max_memory, "--max-memory", "IFTOP_LOGS_MAX_MEMORY", CFG_SIZE, "256M", "memory cap for held lines")  \
	_(max_line, "--max-line", "IFTOP_LOGS_MAX_LINE", CFG_SIZE, "64K", "display cap for one line")         \
	_(history, "--history", "IFTOP_LOGS_HISTORY", CFG_INT, "10000", "lines of history read per file (all: -1)")     \
	_(rate, "--rate", "IFTOP_LOGS_RATE", CFG_INT, "40", "demo swarm lines per second")                     \
	_(seed, "--seed", "IFTOP_LOGS_SEED", CFG_INT, "1", "demo swarm random seed")                           \
	_(utc, "--utc", "IFTOP_LOGS_UTC", CFG_BOOL, "false", "show times in UTC")                              \
	_(fps, "--fps", "IFTOP_LOGS_FPS", CFG_INT, "30", "maximum redraws per second")                       \
	_(health_silent_s, "--health-silent", "IFTOP_LOGS_HEALTH_SILENT", CFG_INT, "30",                       \
	  "health: an agent is silent after this many seconds without a line")                              \
	_(health_error_pct, "--health-error-pct", "IFTOP_LOGS_HEALTH_ERROR_PCT", CFG_INT, "5",                 \
	  "health: erroring above this percentage of ERROR/FATAL lines in the last minute")                 \
	_(health_warn_pct, "--health-warn-pct", "IFTOP_LOGS_HEALTH_WARN_PCT", CFG_INT, "10",                   \
	  "health: degraded above this percentage of WARN lines in the last minute")                        \
	_(health_p95_ms, "--health-p95-ms", "IFTOP_LOGS_HEALTH_P95_MS", CFG_INT, "3000",                       \
	  "health: degraded when p95 of context.duration_ms in the last minute is above this")

struct config {
#define _(name, flag, env, type, def, help) char *name;
	CONFIG_ITEMS(_)
#undef _
	/* Derived, typed values (filled by config_finish()). */
	uint64_t max_memory_bytes, max_line_bytes;
	long history_lines, rate_lps, seed_val, fps_val;
	int64_t query_chunk_ns;
	bool utc_on, tls_skip;
	/* `bind <keymap> <key> <request>` lines from the file, kept for the keymap. */
	char **binds;
	size_t nbinds;
	/* `alert NAME EXPR OP VALUE [for DUR]` lines: local alert rules. */
	char **alerts;
	size_t nalerts;
};

/** Sets defaults. */
void config_init(struct config *c);
void config_release(struct config *c);
/**
 * Reads the config file at `path` (NULL: the default location; a missing
 * default file is not an error).  Errors go to `err` as "path:line: ...".
 * Returns the number of errors.
 */
int config_load_file(struct config *c, const char *path, struct sbuf *err);
/** Applies environment variables; returns errors (named by variable). */
int config_load_env(struct config *c, struct sbuf *err);
/**
 * Sets one item by flag ("--max-memory") from `value`; returns 1 when the
 * flag is known (0 otherwise), -1 on a bad value (message in err).
 */
int config_set_flag(struct config *c, const char *flag, const char *value, struct sbuf *err);
/** True when `flag` names a setting. */
bool config_flag_known(const char *flag);
/** True when `flag` names a boolean item (it then takes no value). */
bool config_flag_is_bool(const char *flag);
/** Validates and fills the typed fields; returns the number of errors. */
int config_finish(struct config *c, struct sbuf *err);
/** Writes every setting as "name = value", secrets masked. */
void config_dump(const struct config *c, struct sbuf *out);
/** Writes the flag/env/help table for --help. */
void config_help(struct sbuf *out);

/** Parses "256M", "1G", "4096", "64K" (binary units); -1 on error. */
int config_parse_size(const char *s, uint64_t *out);

#endif
