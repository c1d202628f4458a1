export { MemoryHost, createMemoryHost } from './host';
export {
  createMemoryHostState,
  type MemoryCall,
  type MemoryFault,
  type MemoryHostState,
  type MemoryProcess,
  type MemoryScheduledTask,
  type MemoryService,
  type MemoryShadowCopy,
  type MemoryVolume,
  type MessageBehaviour,
  type OwnSessionMessage,
  type SentMessage,
} from './state';
