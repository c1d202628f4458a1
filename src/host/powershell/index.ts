export { PowerShellHost, createPowerShellHost, type PowerShellHostOptions } from './host';
export { PowerShellCallError, type SessionEvent } from './session';
