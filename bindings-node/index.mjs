import natskit from './index.js'

export const { AsyncPublisher, Client, ConsumerMessages, ErrorCode, FailedJobs, JetStream, Job, JsMessage, JsMessageBatch, Kv, KvWatch, LocalCluster, LocalServer, Manager, Message, MessageBatch, Queue, Subscription, Worker, WorkerLoop, checkWorkerHook, connect, isNatskitError, version } = natskit
export default natskit
