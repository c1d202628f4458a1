export { MemoryHost, createMemoryHost } from './host';
export {
  createMemoryHostState,
  type MemoryCall,
  type MemoryFault,
  type MemoryHostState,
  type MemoryProcess,
  type MemoryService,
  type MemoryShadowCopy,
  type MemoryVolume,
  type MessageBehaviour,
  type SentMessage,
} from './state';
