//! The few REST calls setup needs (`/api/v1`): register, create a room, join it.
//! One keep-alive HTTP/1.1 connection per [`Api`], bound to a chosen source address.

use std::net::{IpAddr, SocketAddr};

use http_body_util::{BodyExt, Full};
use hyper::{
    body::Bytes,
    client::conn::http1::{self, SendRequest},
    header, Method, Request, StatusCode,
};
use hyper_util::rt::TokioIo;
use serde::{
    de::{DeserializeOwned, IgnoredAny},
    Deserialize, Serialize,
};
use uuid::Uuid;

use crate::{
    error::{BenchError, Result},
    net,
    ws::WireMessage,
};

/// An account created by setup, signed in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// Its username.
    pub username: String,
    /// Its access token (valid for 15 minutes; sockets opened with it stay open after that).
    pub access_token: String,
    /// Single-use token for a new pair.
    pub refresh_token: String,
}

#[derive(Serialize)]
struct RegisterBody<'a> {
    email: &'a str,
    username: &'a str,
    password: &'a str,
}

#[derive(Serialize)]
struct LoginBody<'a> {
    login: &'a str,
    password: &'a str,
}

#[derive(Serialize)]
struct RefreshBody<'a> {
    refresh_token: &'a str,
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    refresh_token: String,
}

#[derive(Serialize)]
struct CreateRoomBody<'a> {
    name: &'a str,
    description: &'a str,
    is_private: bool,
}

#[derive(Deserialize)]
struct RoomBody {
    id: Uuid,
}

/// A REST client over one connection from one source address.
pub struct Api {
    server: SocketAddr,
    local: Option<IpAddr>,
    conn: Option<SendRequest<Full<Bytes>>>,
}

impl Api {
    /// A client of `server` whose connections come from `local` (kernel's choice if `None`).
    pub fn new(server: SocketAddr, local: Option<IpAddr>) -> Self {
        Self {
            server,
            local,
            conn: None,
        }
    }

    /// Uses another source address from the next request on.
    pub fn rebind(&mut self, local: Option<IpAddr>) {
        self.local = local;
        self.conn = None;
    }

    /// Creates an account (which signs it in). A `429` comes back as
    /// [`BenchError::RateLimited`] so the caller can move to another address.
    pub async fn register(&mut self, username: &str, password: &str) -> Result<Account> {
        let email = format!("{username}@bench.example.com");
        let body = RegisterBody {
            email: &email,
            username,
            password,
        };
        let tokens: TokenBody = self
            .call(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(&body),
                StatusCode::CREATED,
            )
            .await?;
        Ok(Account {
            username: username.to_owned(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
        })
    }

    /// Exchanges the account's refresh token for a fresh pair (no password hashing, no rate
    /// limit), so accounts seeded earlier can be used after their access tokens expired.
    pub async fn refresh(&mut self, account: &Account) -> Result<Account> {
        let body = RefreshBody {
            refresh_token: &account.refresh_token,
        };
        let tokens: TokenBody = self
            .call(
                Method::POST,
                "/api/v1/auth/refresh",
                None,
                Some(&body),
                StatusCode::OK,
            )
            .await?;
        Ok(Account {
            username: account.username.clone(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
        })
    }

    /// Signs in again with the password (when the refresh token is gone, for example after a
    /// refresh whose answer was lost with the instance that sent it).
    pub async fn login(&mut self, username: &str, password: &str) -> Result<Account> {
        let body = LoginBody {
            login: username,
            password,
        };
        let tokens: TokenBody = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(&body),
                StatusCode::OK,
            )
            .await?;
        Ok(Account {
            username: username.to_owned(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
        })
    }

    /// Up to `limit` messages of a room after seq `after`, in seq order (catching up).
    pub async fn history_after(
        &mut self,
        token: &str,
        room: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<WireMessage>> {
        let path = format!("/api/v1/rooms/{room}/messages?after={after}&limit={limit}");
        self.call::<(), _>(Method::GET, &path, Some(token), None, StatusCode::OK)
            .await
    }

    /// Creates a public room owned by the caller.
    pub async fn create_room(&mut self, token: &str, name: &str) -> Result<Uuid> {
        let body = CreateRoomBody {
            name,
            description: "created by the bench load tool",
            is_private: false,
        };
        let room: RoomBody = self
            .call(
                Method::POST,
                "/api/v1/rooms",
                Some(token),
                Some(&body),
                StatusCode::CREATED,
            )
            .await?;
        Ok(room.id)
    }

    /// Joins a public room.
    pub async fn join(&mut self, token: &str, room: Uuid) -> Result<()> {
        let path = format!("/api/v1/rooms/{room}/join");
        let _: IgnoredAny = self
            .call::<(), _>(Method::POST, &path, Some(token), None, StatusCode::OK)
            .await?;
        Ok(())
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
        expect: StatusCode,
    ) -> Result<T> {
        let payload = match body {
            Some(b) => Bytes::from(serde_json::to_vec(b)?),
            None => Bytes::new(),
        };
        let mut request = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::HOST, self.server.to_string())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, "parley-bench");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request
            .body(Full::new(payload))
            .map_err(|e| BenchError::Usage(format!("cannot build a request for {path}: {e}")))?;

        let conn = self.connection().await?;
        let response = match conn.send_request(request).await {
            Ok(r) => r,
            Err(e) => {
                // The connection is unusable now; the next call opens a fresh one.
                self.conn = None;
                return Err(e.into());
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = response.into_body().collect().await?.to_bytes();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(BenchError::RateLimited { retry_after });
        }
        if status != expect {
            return Err(BenchError::Status {
                method: method_name(&method),
                path: path.to_owned(),
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned(),
            });
        }
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// The open connection, or a new one when there is none or the server closed it.
    async fn connection(&mut self) -> Result<&mut SendRequest<Full<Bytes>>> {
        if self.conn.as_ref().is_none_or(|c| c.is_closed()) {
            let stream = net::connect(self.server, self.local).await?;
            let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
            // The connection future drives the socket; it ends when the server or we close.
            tokio::spawn(connection);
            self.conn = Some(sender);
        }
        let conn = self
            .conn
            .as_mut()
            .expect("a connection was stored just above");
        conn.ready().await?;
        Ok(conn)
    }
}

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        _ => "HTTP",
    }
}
