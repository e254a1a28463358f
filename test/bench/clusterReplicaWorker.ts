import { openReplica } from '../../src/cluster/replica';

// A bench worker: a replica and nothing else, so write figures are the protocol's own.
const replica = openReplica({ name: process.env.STORE_NAME });
void replica.whenReady().then(() => process.send?.({ bench: 'ready' }));
