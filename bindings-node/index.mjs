import natskit from './index.js'

export const { AsyncPublisher, Client, ConsumerMessages, Endpoint, ErrorCode, FailedJobs, Group, JetStream, Job, JsMessage, JsMessageBatch, Kv, KvWatch, LocalCluster, LocalServer, Manager, Message, MessageBatch, ObjectStore, ObjectWatch, Queue, Request, Service, Subscription, Worker, WorkerLoop, checkWorkerHook, connect, isNatskitError, version } = natskit
export default natskit
