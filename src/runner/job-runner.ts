// The runner contract: the only three calls the pipeline makes against a Bulk Read engine.
// Everything above them (polling, paging, unzipping, parsing) lives once in the pipeline, so a
// user can plug in their own engine (a proxy, a queue, the official SDK) by implementing these.

/** Zoho's job states. The failure state is `FAILURE` (not `FAILED`), and `IN PROGRESS` has a space. */
export type JobState = "ADDED" | "QUEUED" | "IN PROGRESS" | "COMPLETED" | "FAILURE";

/** The error object Zoho puts in error responses and in `result.error_message` of a failed job. */
export interface ZohoErrorBody {
  status?: string;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** `result` of a job. Meaningful only once the job is `COMPLETED` (Zoho's samples show it earlier). */
export interface JobResult {
  page?: number;
  count?: number;
  per_page?: number;
  more_records?: boolean;
  next_page_token?: string;
  /** Relative path such as `/crm/bulk/v8/read/{id}/result`; resolve it against the API domain. */
  download_url?: string;
  error_message?: ZohoErrorBody;
}

export interface JobDetails {
  /** Opaque decimal string (19 digits); never a number, which would lose precision. */
  id: string;
  operation?: string;
  state: JobState;
  result?: JobResult;
  query?: Record<string, unknown>;
  created_by?: { id: string; name?: string };
  created_time?: string;
  file_type?: "csv" | "ics";
}

/** The JSON body of `POST /crm/bulk/{v}/read`, as a query builder produces it. */
export interface BulkReadRequestBody {
  callback?: { url: string; method: "post" };
  query: Record<string, unknown>;
  file_type?: "csv" | "ics";
}

export interface JobRunner {
  /**
   * The Bulk Read API version the runner talks ("v8"), when it knows one. The pipeline pages
   * with `page_token` from v7 and with `page` before; without it, the query's version or v8.
   */
  readonly apiVersion?: string;
  /** `POST /crm/bulk/{v}/read`; resolves to `data[0].details` (state `ADDED`). */
  createJob(body: BulkReadRequestBody, options?: { signal?: AbortSignal }): Promise<JobDetails>;
  /** `GET /crm/bulk/{v}/read/{id}`; resolves to `data[0]`. */
  getJob(id: string, options?: { signal?: AbortSignal }): Promise<JobDetails>;
  /**
   * `GET .../read/{id}/result`: the ZIP as a byte stream. Resolves once the download has
   * started (HTTP 200); errors while the body streams surface from the iteration.
   */
  downloadResult(
    id: string,
    downloadUrl?: string,
    options?: { signal?: AbortSignal },
  ): Promise<AsyncIterable<Uint8Array>>;
}
