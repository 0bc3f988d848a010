// kube-controller-manager PRACTICE DOUBLE for the lockstep lab: leader election and /healthz only.
import { runComponent } from './component.js';

runComponent({ name: 'kube-controller-manager', port: 10257 });
