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
ERR(WEB_HTTP_STATUS,       USER,    "2108")
ERR(WEB_OUTPUT_TOO_LARGE,  USER,    "2001")
ERR(WEB_CONNECT,           USER,    "2108")
ERR(WEB_TIMEOUT,           USER,    "2108")
ERR(WEB_AUTH,              USER,    "2403")
ERR(WEB_BAD_PFX,           USER,    "2113")
ERR(WEB_BAD_INPUT,         USER,    "2105")
ERR(UNMATCHED_REQUEST,     USER,    "UnmatchedRequest")
ERR(MOCK_SYNTAX,           USER,    "BadRequest")
ERR(UNSUPPORTED_ACTIVITY_TYPE, USER, "UnsupportedActivityType")
ERR(ACTION_FAILED,         USER,    "ActionFailed")
ERR(ACTIVITY_TIMEOUT,      USER,    "ActivityTimeout")
ERR(ACTIVITY_CANCELLED,    USER,    "ActivityCancelled")
ERR(FAIL_ACTIVITY,         USER,    "ErrorCodeNotString")
ERR(VARIABLE_TYPE,         USER,    "InvalidTemplate")
ERR(PARAMETER,             USER,    "BadRequest")
ERR(PRERUN_CHECK,          USER,    "InvalidTemplate")
ERR(ITERATION_LIMIT,       USER,    "IterationLimitExceeded")
ERR(ACTIVITY_CONFIG,       USER,    "BadRequest")
ERR(MOCKED_ERROR,          USER,    "MockedError")
ERR(DATA_UNSUPPORTED,      USER,    "UserErrorNotSupported")
ERR(DATA_REFERENCE,        USER,    "BadRequest")
ERR(DATA_SECRET,           USER,    "UserErrorSecretNotFound")
ERR(DATA_NOT_FOUND,        USER,    "UserErrorFileNotFound")
ERR(DATA_STORE,            USER,    "UserErrorFailedFileOperation")
ERR(DATA_FORMAT,           USER,    "UserErrorInvalidDataFormat")
ERR(DATA_TOO_LARGE,        USER,    "UserErrorOutputTooLarge")
ERR(DATA_TIMEOUT,          USER,    "UserErrorValidationTimeout")
/* clang-format on */
