// "zoho-bulk-read/testing": a fake Zoho CRM for tests (loopback HTTP, fault injection).
export {
  startFakeZoho,
  type FakeZoho,
  type FakeZohoOptions,
  type FakeZohoFaults,
  type FakeZohoFaultOptions,
  type FakeZohoCredentials,
  type FakeZohoRequest,
  type CallbackDelivery,
} from "./fake-zoho.js";
export { createLocalRunner, type LocalRunner, type LocalRunnerOptions, type LocalModuleData } from "../runner/local-runner.js";
