// Public surface of `zoho-bulk-read/runner` (Node only).
export type { BulkReadRequestBody, JobDetails, JobResult, JobRunner, JobState, ZohoErrorBody } from "./job-runner.js";
export { RunnerError, ZohoApiError } from "./zoho-api-error.js";
export type { RunnerErrorCode, RunnerErrorOptions, ZohoApiErrorInit } from "./zoho-api-error.js";
export { DATA_CENTERS } from "./data-centers.js";
export type { DataCenter, DataCenterInfo, ZohoEnvironment } from "./data-centers.js";
export type { ZohoAuth } from "./access-token.js";
export type { RetryOptions, Sleep } from "./retry-policy.js";
export { createZohoRunner } from "./zoho-runner.js";
export type { ZohoRunnerOptions } from "./zoho-runner.js";
export { readArchiveEntry, readCsvRecords } from "./read-archive.js";
export type { ReadArchiveEntryOptions, ReadCsvRecordsOptions } from "./read-archive.js";
export { createLocalRunner } from "./local-runner.js";
export type { LocalRunner, LocalRunnerOptions, LocalModuleData } from "./local-runner.js";
export { compilePredicate } from "./evaluate.js";
export type { EvaluateOptions } from "./evaluate.js";
