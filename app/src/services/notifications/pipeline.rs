//! The background tasks of the notification pipeline: the outbox relay and the consumer.

use tokio::task::JoinHandle;

/// Which tasks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipelineTasks {
    /// Publish outbox rows to the queue.
    pub relay: bool,
    /// Consume the queue.
    pub worker: bool,
}

/// Running pipeline tasks; dropping this (or [`Pipeline::stop`]) ends them.
pub struct Pipeline {
    tasks: Vec<JoinHandle<()>>,
}

impl Pipeline {
    /// Spawns the chosen tasks of `service` on the current runtime.
    pub fn start(service: &super::NotificationService, tasks: PipelineTasks) -> Self {
        let mut handles = Vec::new();
        if tasks.relay {
            handles.push(tokio::spawn(service.relay().run()));
        }
        if tasks.worker {
            handles.push(tokio::spawn(service.worker().run()));
        }
        Self { tasks: handles }
    }

    /// Ends the tasks and waits until they are gone. Both are safe to stop anywhere: an
    /// unfinished relay round rolls back, an unacked job is handed out again.
    pub async fn stop(mut self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
