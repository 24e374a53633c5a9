"""client-go's machinery for the simulated components: an API client, informers, work queues, events, leader election."""
