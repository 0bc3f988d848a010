// kube-scheduler PRACTICE DOUBLE for the lockstep lab: leader election and /healthz only.
import { runComponent } from './component.js';

runComponent({ name: 'kube-scheduler', port: 10259 });
