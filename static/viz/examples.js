// Ready manifests for the create form: the stories of chapter 11.
export const EXAMPLES = [
  ["Deployment (3 nginx pods)", `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        resources:
          requests:
            cpu: 100m
            memory: 64Mi
`],
  ["Pod with a nodeSelector", `apiVersion: v1
kind: Pod
metadata:
  name: fast-disk
spec:
  nodeSelector:
    disktype: ssd
  containers:
  - name: app
    image: busybox:1.36
    command: ["sleep", "3600"]
`],
  ["Pod for a second scheduler", `apiVersion: v1
kind: Pod
metadata:
  name: picky
spec:
  schedulerName: my-scheduler
  containers:
  - name: app
    image: nginx:1.27
`],
  ["Pod too big for any node", `apiVersion: v1
kind: Pod
metadata:
  name: huge
spec:
  containers:
  - name: app
    image: nginx:1.27
    resources:
      requests:
        cpu: "64"
        memory: 1Ti
`],
  ["ResourceQuota (at most 2 pods)", `apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute-quota
spec:
  hard:
    pods: "2"
    requests.cpu: "1"
`],
  ["Service for the Deployment", `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
`],
  ["Ingress for the Service", `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`],
];
