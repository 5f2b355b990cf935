//! Connections the simulator can cut: a `Listener` for `axum::serve` whose sockets carry a
//! kill switch. It serves two purposes: the "close before headers" fault (the handler kills
//! its own connection, so the client sees it closed without any response), and shutdown
//! (every open connection is cut, so nothing keeps the old server half alive).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Waker};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The kill switch of one connection.
#[derive(Debug, Default)]
pub(crate) struct Switch {
    killed: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl Switch {
    /// Makes every further read and write fail, and wakes whoever waits on the socket.
    pub(crate) fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut *lock(&self.wakers));
        for w in wakers {
            w.wake();
        }
    }

    fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    fn park(&self, cx: &Context<'_>) {
        let mut wakers = lock(&self.wakers);
        if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a handler learns about its connection (through `ConnectInfo`).
#[derive(Debug, Clone)]
pub(crate) struct ConnHandle(pub Arc<Switch>);

impl Connected<IncomingStream<'_, SimListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// All live connections, so shutdown can cut them.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    conns: Mutex<Vec<Weak<Switch>>>,
}

impl Registry {
    /// Cuts every live connection.
    pub(crate) fn kill_all(&self) {
        for switch in lock(&self.conns).drain(..).filter_map(|w| w.upgrade()) {
            switch.kill();
        }
    }

    fn register(&self) -> Arc<Switch> {
        let switch = Arc::new(Switch::default());
        let mut conns = lock(&self.conns);
        conns.retain(|w| w.strong_count() > 0);
        conns.push(Arc::downgrade(&switch));
        switch
    }
}

/// A TCP listener whose connections can be cut.
pub(crate) struct SimListener {
    pub inner: TcpListener,
    pub registry: Arc<Registry>,
}

impl Listener for SimListener {
    type Io = SimConn;
    type Addr = ConnHandle;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let switch = self.registry.register();
                    return (
                        SimConn {
                            stream,
                            switch: Arc::clone(&switch),
                        },
                        ConnHandle(switch),
                    );
                }
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        // Only used by `Serve::local_addr`, which the simulator never calls.
        Ok(ConnHandle(Arc::new(Switch::default())))
    }
}

/// A TCP stream with a kill switch.
pub(crate) struct SimConn {
    stream: TcpStream,
    switch: Arc<Switch>,
}

fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection cut by the simulator",
    )
}

impl AsyncRead for SimConn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.switch.is_killed() {
            return Poll::Ready(Err(aborted()));
        }
        this.switch.park(cx);
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SimConn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.switch.is_killed() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.switch.is_killed() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
