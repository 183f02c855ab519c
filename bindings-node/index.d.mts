export * from './index.js'
import * as natskit from './index.js'
export default natskit
