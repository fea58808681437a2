/*
 * expr/errcodes.h -- every error adfrun can report, in one list
 *
 * X-macro file: no include guard; include it with ERR() defined.
 * Columns: symbol, ADF failureType (NONE, USER, SYSTEM), the errorCode
 * written to run reports.  Append only: a row is never renumbered or
 * reused; a retired row is renamed OBSOLETE_<n> and stays.  Every row has
 * a section in docs/errors.md (checked by a test).
 */
/* clang-format off */
/*  symbol                 failure  ADF errorCode */
ERR(OK,                    NONE,    "")
ERR(INTERNAL,              SYSTEM,  "InternalServerError")
ERR(USAGE,                 USER,    "BadRequest")
ERR(IO,                    USER,    "UserErrorFileNotReadable")
ERR(JSON_SYNTAX,           USER,    "InvalidJson")
ERR(YAML_SYNTAX,           USER,    "InvalidYaml")
ERR(DEF_STRUCTURE,         USER,    "BadRequest")
ERR(EXPR_SYNTAX,           USER,    "InvalidTemplate")
ERR(EXPR_TOO_LONG,         USER,    "InvalidTemplate")
ERR(EXPR_UNKNOWN_FUNCTION, USER,    "InvalidTemplate")
ERR(EXPR_ARITY,            USER,    "InvalidTemplate")
ERR(EXPR_ARG_TYPE,         USER,    "InvalidTemplate")
ERR(EXPR_NO_PROPERTY,      USER,    "InvalidTemplate")
ERR(EXPR_INDEX,            USER,    "InvalidTemplate")
ERR(EXPR_EVAL,             USER,    "InvalidTemplate")
ERR(EXPR_UNKNOWN_REF,      USER,    "InvalidTemplate")
/* clang-format on */
