//! Sign-up, sign-in, token refresh with reuse detection, sign-out and session management.

use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    error::{ServiceError, ServiceResult},
    passwords::PasswordHasher,
    tokens::{hash_refresh_token, new_refresh_token, TokenKeys},
};
use crate::{
    infra::{
        rate_limit::{Limit, RateLimiter, Verdict},
        store::{sessions, users},
    },
    model::{
        auth::{LoginRequest, RegisterRequest, SessionInfo},
        user::User,
        validation::{self, check},
    },
};

/// How long a session lives without being refreshed.
pub const SESSION_TTL_DAYS: i64 = 30;
/// A rotated refresh token presented again within this many seconds is treated as two tabs
/// refreshing at once (cookie path only), not as theft.
pub const ROTATION_GRACE_SECS: i64 = 10;

/// Failed sign-ins allowed per account.
pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    max: 10,
    window: Duration::from_secs(15 * 60),
};
/// Sign-in attempts allowed per client address.
pub const LOGIN_PER_IP: Limit = Limit {
    max: 50,
    window: Duration::from_secs(15 * 60),
};
/// Registrations allowed per client address.
pub const REGISTER_PER_IP: Limit = Limit {
    max: 20,
    window: Duration::from_secs(60 * 60),
};

/// Who is calling, for session records and per-address limits.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The client's address, when known.
    pub ip: Option<String>,
    /// Its `User-Agent`, when sent.
    pub user_agent: Option<String>,
}

/// An authenticated caller: the user and the session the credentials belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authenticated {
    /// The user.
    pub user_id: Uuid,
    /// The session.
    pub session_id: Uuid,
}

/// Tokens handed out by sign-up, sign-in and refresh.
#[derive(Clone)]
pub struct IssuedTokens {
    /// JWT access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
    /// Single-use refresh token.
    pub refresh_token: String,
    /// The session both belong to.
    pub session_id: Uuid,
    /// The account.
    pub user: User,
}

/// Outcome of a refresh through the browser's cookies.
pub enum CookieRefresh {
    /// New tokens to set as cookies.
    Rotated(IssuedTokens),
    /// Another request of the same browser rotated this token a moment ago; it has the new
    /// cookies, this request may proceed as the session without changing them.
    AlreadyRotated(Authenticated),
}

/// The authentication service.
#[derive(Clone)]
pub struct AuthService {
    db: PgPool,
    keys: TokenKeys,
    hasher: PasswordHasher,
    limiter: RateLimiter,
    register_limit: Limit,
}

impl AuthService {
    /// argon2 verifications run by sign-ins so far (equal cost for every failure is tested).
    pub fn password_verifications(&self) -> u64 {
        self.hasher.verifications()
    }

    /// Builds the service over its dependencies.
    pub fn new(db: PgPool, keys: TokenKeys, hasher: PasswordHasher, limiter: RateLimiter) -> Self {
        Self {
            db,
            keys,
            hasher,
            limiter,
            register_limit: REGISTER_PER_IP,
        }
    }

    /// Allows `max` registrations per client address and hour instead of the default 20.
    pub fn with_registrations_per_hour(mut self, max: u32) -> Self {
        self.register_limit = Limit {
            max: u64::from(max),
            ..REGISTER_PER_IP
        };
        self
    }

    /// Creates an account and signs it in.
    pub async fn register(
        &self,
        req: RegisterRequest,
        client: &ClientInfo,
    ) -> ServiceResult<IssuedTokens> {
        let email = req.email.trim().to_owned();
        let username = req.username.trim().to_owned();
        let display_name = req
            .display_name
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .unwrap_or(&username)
            .to_owned();
        check("email", validation::email(&email))?;
        check("username", validation::username(&username))?;
        check("display_name", validation::display_name(&display_name))?;
        check("password", validation::password(&req.password))?;
        if req.password.eq_ignore_ascii_case(&username) || req.password.eq_ignore_ascii_case(&email)
        {
            return Err(ServiceError::invalid(
                "password",
                "Password must differ from your username and email.",
            ));
        }
        self.limit(
            &format!("register:ip:{}", ip_key(client)),
            self.register_limit,
        )
        .await?;

        let hash = self.hasher.hash(req.password).await?;
        let mut tx = self.db.begin().await?;
        let user = users::insert(&mut tx, &email, &username, &hash, &display_name).await?;
        let tokens = self.start_session(&mut tx, user.into(), client).await?;
        tx.commit().await?;
        Ok(tokens)
    }

    /// Checks credentials and starts a session.
    pub async fn login(
        &self,
        req: LoginRequest,
        client: &ClientInfo,
    ) -> ServiceResult<IssuedTokens> {
        let login = req.login.trim().to_lowercase();
        if login.is_empty() {
            return Err(ServiceError::invalid(
                "login",
                "Enter your email or username.",
            ));
        }
        if req.password.is_empty() {
            return Err(ServiceError::invalid("password", "Enter your password."));
        }
        // PostgreSQL rejects NUL in text, so such a login cannot exist; say so instead of a 500.
        if req.password.chars().count() > validation::PASSWORD_LEN.1 || login.contains('\0') {
            // Never valid, and hashing megabytes would be a cheap denial of service.
            return Err(ServiceError::Unauthenticated(
                "wrong email/username or password",
            ));
        }
        let account_key = format!("login:account:{login}");
        self.limit(&format!("login:ip:{}", ip_key(client)), LOGIN_PER_IP)
            .await?;
        if let Verdict::Limited { retry_after } =
            self.limiter.peek(&account_key, LOGIN_PER_ACCOUNT).await
        {
            return Err(ServiceError::RateLimited { retry_after });
        }

        let user = users::by_login(&self.db, &login).await?;
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        if !self.hasher.verify(req.password, hash).await? {
            self.limiter.hit(&account_key, LOGIN_PER_ACCOUNT).await;
            return Err(ServiceError::Unauthenticated(
                "wrong email/username or password",
            ));
        }
        let Some(user) = user else {
            return Err(ServiceError::Unauthenticated(
                "wrong email/username or password",
            ));
        };
        self.limiter.reset(&account_key).await;
        let mut tx = self.db.begin().await?;
        let tokens = self.start_session(&mut tx, user.into(), client).await?;
        tx.commit().await?;
        Ok(tokens)
    }

    /// Exchanges a refresh token for a new pair. A token that was already exchanged revokes
    /// its whole session: someone else has it.
    pub async fn refresh(&self, refresh_token: &str) -> ServiceResult<IssuedTokens> {
        match self.rotate(refresh_token, false).await? {
            CookieRefresh::Rotated(tokens) => Ok(tokens),
            CookieRefresh::AlreadyRotated(_) => Err(ServiceError::Internal(
                "grace path taken without grace".to_owned(),
            )),
        }
    }

    /// [`refresh`](Self::refresh) for the browser, tolerating two tabs refreshing together.
    pub async fn refresh_cookie(&self, refresh_token: &str) -> ServiceResult<CookieRefresh> {
        self.rotate(refresh_token, true).await
    }

    async fn rotate(&self, refresh_token: &str, grace: bool) -> ServiceResult<CookieRefresh> {
        let invalid = ServiceError::Unauthenticated("invalid or expired refresh token");
        if refresh_token.is_empty() || refresh_token.len() > 128 {
            return Err(invalid);
        }
        let old_hash = hash_refresh_token(refresh_token);
        let mut tx = self.db.begin().await?;
        let Some(found) = sessions::lock_token(&mut tx, &old_hash).await? else {
            return Err(invalid);
        };
        let session = found.session;
        if session.revoked_at.is_some() || session.expires_at <= Utc::now() {
            return Err(invalid);
        }
        if let Some(rotated_at) = found.rotated_at {
            let age = (Utc::now() - rotated_at).num_seconds();
            if grace && age <= ROTATION_GRACE_SECS {
                return Ok(CookieRefresh::AlreadyRotated(Authenticated {
                    user_id: session.user_id,
                    session_id: session.id,
                }));
            }
            sessions::revoke(&mut *tx, session.user_id, session.id, "refresh token reuse").await?;
            tx.commit().await?;
            tracing::warn!(session = %session.id, user = %session.user_id,
                "refresh token reused; session revoked");
            return Err(ServiceError::Unauthenticated(
                "refresh token was already used; the session has been revoked",
            ));
        }
        let Some(user) = users::by_id(&mut *tx, session.user_id).await? else {
            return Err(invalid);
        };
        let (token, new_hash) = new_refresh_token();
        sessions::rotate(&mut tx, &old_hash, &new_hash, session.id, session_expiry()).await?;
        tx.commit().await?;
        let (access_token, expires_in) = self.keys.issue(user.id, session.id)?;
        Ok(CookieRefresh::Rotated(IssuedTokens {
            access_token,
            expires_in,
            refresh_token: token,
            session_id: session.id,
            user: user.into(),
        }))
    }

    /// The caller behind an access token, provided its session is still active: revoking a
    /// session takes effect on the next request, not when the token expires.
    pub async fn authenticate(&self, access_token: &str) -> ServiceResult<Authenticated> {
        let claims = self.keys.verify(access_token)?;
        if !sessions::is_active(&self.db, claims.sid, claims.sub).await? {
            return Err(ServiceError::Unauthenticated(
                "session has ended; sign in again",
            ));
        }
        Ok(Authenticated {
            user_id: claims.sub,
            session_id: claims.sid,
        })
    }

    /// Ends the caller's session.
    pub async fn logout(&self, auth: Authenticated) -> ServiceResult<()> {
        sessions::revoke(&self.db, auth.user_id, auth.session_id, "logout").await?;
        Ok(())
    }

    /// Ends a session identified by its refresh token (a browser whose access token expired).
    pub async fn logout_refresh_token(&self, refresh_token: &str) -> ServiceResult<()> {
        let hash = hash_refresh_token(refresh_token);
        let mut tx = self.db.begin().await?;
        if let Some(found) = sessions::lock_token(&mut tx, &hash).await? {
            sessions::revoke(&mut *tx, found.session.user_id, found.session.id, "logout").await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of the caller, this one included; returns how many ended.
    pub async fn logout_all(&self, auth: Authenticated) -> ServiceResult<u64> {
        Ok(sessions::revoke_all(&self.db, auth.user_id, None, "logout everywhere").await?)
    }

    /// The caller's active sessions.
    pub async fn sessions(&self, auth: Authenticated) -> ServiceResult<Vec<SessionInfo>> {
        let rows = sessions::list_active(&self.db, auth.user_id).await?;
        Ok(rows
            .into_iter()
            .map(|r| SessionInfo {
                current: r.id == auth.session_id,
                id: r.id,
                user_agent: r.user_agent,
                ip_address: r.ip_address,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                expires_at: r.expires_at,
            })
            .collect())
    }

    /// Ends one of the caller's sessions.
    pub async fn revoke_session(&self, auth: Authenticated, session_id: Uuid) -> ServiceResult<()> {
        if sessions::revoke(&self.db, auth.user_id, session_id, "revoked by user").await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("no such active session".to_owned()))
        }
    }

    /// Signs the user out everywhere except `keep` (after a password change).
    pub async fn revoke_other_sessions(&self, user_id: Uuid, keep: Uuid) -> ServiceResult<u64> {
        Ok(sessions::revoke_all(&self.db, user_id, Some(keep), "password changed").await?)
    }

    /// Checks a password of an existing user (for sensitive changes).
    pub async fn verify_password(&self, user_id: Uuid, password: &str) -> ServiceResult<bool> {
        let hash = users::by_id(&self.db, user_id)
            .await?
            .map(|u| u.password_hash);
        self.hasher.verify(password.to_owned(), hash).await
    }

    /// The password hasher, shared with the user service.
    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    async fn start_session(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        user: User,
        client: &ClientInfo,
    ) -> ServiceResult<IssuedTokens> {
        let (token, hash) = new_refresh_token();
        let user_agent = client.user_agent.as_deref().map(|ua| truncate(ua, 512));
        let ip = client.ip.as_deref().map(|ip| truncate(ip, 64));
        let session =
            sessions::create(tx, user.id, user_agent, ip, session_expiry(), &hash).await?;
        let (access_token, expires_in) = self.keys.issue(user.id, session.id)?;
        Ok(IssuedTokens {
            access_token,
            expires_in,
            refresh_token: token,
            session_id: session.id,
            user,
        })
    }

    async fn limit(&self, key: &str, limit: Limit) -> ServiceResult<()> {
        match self.limiter.hit(key, limit).await {
            Verdict::Allowed => Ok(()),
            Verdict::Limited { retry_after } => Err(ServiceError::RateLimited { retry_after }),
        }
    }
}

fn session_expiry() -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::days(SESSION_TTL_DAYS)
}

fn ip_key(client: &ClientInfo) -> &str {
    client.ip.as_deref().unwrap_or("unknown")
}

fn truncate(s: &str, max_chars: usize) -> &str {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
