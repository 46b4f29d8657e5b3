// A failed request in words: what it means for the operator, with the server's own (English) message
// kept as a secondary detail; and the short name of a failing poll's problem for the stale banners.
import { t, has } from "./i18n.js";
import { ApiError } from "./api.js";

/** What a failed request means, in words, and the server's own message as a secondary detail. */
export function describeError(error) {
  if (!(error instanceof ApiError)) return { text: t("unexpectedError"), detail: String(error?.message || error) };
  const detail = error.serverMessage;
  switch (error.status) {
    case 0:
      return { text: t("networkError") };
    case 400:
      return { text: t("badRequest"), detail };
    case 403:
      return { text: t("forbidden"), detail };
    case 404:
      return { text: t("notFound"), detail };
    case 422:
      return { text: t("formInvalidServer"), detail };
    case 429:
      return { text: t("tooManyRequests"), detail };
    case 500:
    case 502:
    case 503:
    case 504:
      return { text: t("serviceUnavailable", { status: error.status }), detail };
    default:
      return { text: t("serverError", { status: error.status }), detail };
  }
}

/** A short name for a poll's failure: "layanan tidak tersedia, 503". */
export function problemName(status) {
  if (status === 0) return t("problem_network");
  const key = `problem_${status}`;
  if (has(key)) return t(key, { status });
  return status >= 500 ? t("problem_5xx", { status }) : t("problem_other", { status });
}
