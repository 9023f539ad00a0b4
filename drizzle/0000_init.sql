CREATE TABLE "api_keys" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" integer NOT NULL,
	"name" text NOT NULL,
	"scopes" text[] NOT NULL,
	"key_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "outbound_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"base_id" bigint NOT NULL,
	"account_id" bigint NOT NULL,
	"mail_from" text NOT NULL,
	"msg_from" text NOT NULL,
	"from_id" text DEFAULT '' NOT NULL,
	"recipient" text NOT NULL,
	"recipient_domain" text NOT NULL,
	"message_id" text DEFAULT '' NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"raw_id" bigint NOT NULL,
	"extra" jsonb NOT NULL,
	"require_tls" boolean,
	"hold" boolean DEFAULT false NOT NULL,
	"source" text NOT NULL,
	"job_id" bigint,
	"attempts" integer DEFAULT 0 NOT NULL,
	"results" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"queued_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"last_attempt_at" timestamp (3) with time zone,
	"last_activity" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"keep_until" timestamp (3) with time zone,
	"unique_id" text DEFAULT '' NOT NULL,
	"categories" text[] DEFAULT '{}'::text[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbound_raws" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"raw" "bytea" NOT NULL,
	"size" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outgoing_recipients" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"recipient" text NOT NULL,
	"submitted_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"base_address" text NOT NULL,
	"original_address" text NOT NULL,
	"manual" boolean DEFAULT false NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dkim_keys" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"selector" text NOT NULL,
	"algorithm" text NOT NULL,
	"private_key_pem" text NOT NULL,
	"signs_from" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tx_id" bigint DEFAULT (pg_current_xact_id()::text::bigint) NOT NULL,
	"account_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"address" text DEFAULT '' NOT NULL,
	"message_id" bigint,
	"queue_msg_id" bigint,
	"payload" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"full_name" text DEFAULT '' NOT NULL,
	"password_hash" text DEFAULT '' NOT NULL,
	"password_source" text DEFAULT 'command' NOT NULL,
	"login_disabled" boolean DEFAULT false NOT NULL,
	"settings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "addresses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"address" text NOT NULL,
	"is_login" boolean DEFAULT false NOT NULL,
	CONSTRAINT "addresses_address_unique" UNIQUE("address")
);
--> statement-breakpoint
CREATE TABLE "domains" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"catchall_separator" text DEFAULT '+' NOT NULL,
	"dkim_selector" text DEFAULT 'postwire' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "domains_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "mailboxes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"name" text NOT NULL,
	"role" text
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"mailbox_id" bigint NOT NULL,
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"size" integer NOT NULL,
	"raw" "bytea" NOT NULL,
	"envelope" jsonb NOT NULL,
	"msg_from" text DEFAULT '' NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"message_id_header" text DEFAULT '' NOT NULL,
	"parsed" jsonb,
	"parse_error" text,
	"flags" text[] DEFAULT '{}'::text[] NOT NULL,
	"is_dsn" boolean DEFAULT false NOT NULL,
	"mail_from_validated" boolean DEFAULT false NOT NULL,
	"msg_from_validated" boolean DEFAULT false NOT NULL,
	"dkim_domains" text[] DEFAULT '{}'::text[] NOT NULL,
	"expunged" boolean DEFAULT false NOT NULL,
	"search_indexed" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"group_key" text,
	"limit_key" text,
	"run_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"locked_by" text,
	"locked_at" timestamp (3) with time zone,
	"last_error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_tokens" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"token_hash" text NOT NULL,
	"addresses" text[] NOT NULL,
	"kinds" text[] NOT NULL,
	"origin" text DEFAULT '' NOT NULL,
	"source_ip" text DEFAULT '' NOT NULL,
	"push_recipient_id" bigint,
	"topics" text[] DEFAULT '{}'::text[] NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "webhook_configs" (
	"account_id" bigint PRIMARY KEY NOT NULL,
	"incoming_url" text DEFAULT '' NOT NULL,
	"incoming_authorization" text DEFAULT '' NOT NULL,
	"incoming_source" text DEFAULT 'api' NOT NULL,
	"incoming_disabled_at" timestamp (3) with time zone,
	"incoming_disabled_reason" text DEFAULT '' NOT NULL,
	"outgoing_url" text DEFAULT '' NOT NULL,
	"outgoing_authorization" text DEFAULT '' NOT NULL,
	"outgoing_events" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"outgoing_source" text DEFAULT 'api' NOT NULL,
	"outgoing_disabled_at" timestamp (3) with time zone,
	"outgoing_disabled_reason" text DEFAULT '' NOT NULL,
	"secrets" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"secrets_source" text DEFAULT 'generated' NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"origin_id" bigint,
	"webhook_id" text NOT NULL,
	"kind" text NOT NULL,
	"event" text NOT NULL,
	"event_id" bigint,
	"queue_msg_id" bigint,
	"message_id" bigint,
	"url" text NOT NULL,
	"authorization" text DEFAULT '' NOT NULL,
	"payload" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"job_id" bigint,
	"attempts" integer DEFAULT 0 NOT NULL,
	"results" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"superseded_by_id" bigint,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"next_attempt_at" timestamp (3) with time zone,
	"last_attempt_at" timestamp (3) with time zone,
	"last_activity" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"keep_until" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "recipient_preferences" (
	"account_id" bigint NOT NULL,
	"address" text NOT NULL,
	"opt_out" text[] DEFAULT '{}'::text[] NOT NULL,
	"opt_out_all" boolean DEFAULT false NOT NULL,
	"set_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "recipient_preferences_account_id_address_pk" PRIMARY KEY("account_id","address")
);
--> statement-breakpoint
CREATE TABLE "send_idempotency" (
	"account_id" bigint NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"response" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "send_idempotency_account_id_key_pk" PRIMARY KEY("account_id","key")
);
--> statement-breakpoint
CREATE TABLE "unsubscribe_keys" (
	"id" integer PRIMARY KEY NOT NULL,
	"key" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "push_global_deliveries" (
	"global_id" bigint NOT NULL,
	"recipient_id" bigint NOT NULL,
	"delivered_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "push_global_deliveries_global_id_recipient_id_pk" PRIMARY KEY("global_id","recipient_id")
);
--> statement-breakpoint
CREATE TABLE "push_globals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"event_id" bigint,
	"event_tx_id" bigint DEFAULT (pg_current_xact_id()::text::bigint) NOT NULL,
	"topic" text DEFAULT '' NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"cancelled_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "push_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"recipient_id" bigint NOT NULL,
	"event_id" bigint,
	"event_tx_id" bigint DEFAULT (pg_current_xact_id()::text::bigint) NOT NULL,
	"topic" text DEFAULT '' NOT NULL,
	"message" text NOT NULL,
	"state" text DEFAULT 'PENDING' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"delivered_at" timestamp (3) with time zone,
	"cancelled_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "push_recipients" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"recipient" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_search" (
	"message_id" bigint PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"document" "tsvector" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shared_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_raw_id_outbound_raws_id_fk" FOREIGN KEY ("raw_id") REFERENCES "public"."outbound_raws"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outgoing_recipients" ADD CONSTRAINT "outgoing_recipients_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suppressions" ADD CONSTRAINT "suppressions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "addresses" ADD CONSTRAINT "addresses_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD CONSTRAINT "mailboxes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_mailbox_id_mailboxes_id_fk" FOREIGN KEY ("mailbox_id") REFERENCES "public"."mailboxes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_tokens" ADD CONSTRAINT "event_tokens_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_configs" ADD CONSTRAINT "webhook_configs_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recipient_preferences" ADD CONSTRAINT "recipient_preferences_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "send_idempotency" ADD CONSTRAINT "send_idempotency_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_global_deliveries" ADD CONSTRAINT "push_global_deliveries_global_id_push_globals_id_fk" FOREIGN KEY ("global_id") REFERENCES "public"."push_globals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_global_deliveries" ADD CONSTRAINT "push_global_deliveries_recipient_id_push_recipients_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "public"."push_recipients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_globals" ADD CONSTRAINT "push_globals_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_globals" ADD CONSTRAINT "push_globals_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_messages" ADD CONSTRAINT "push_messages_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_messages" ADD CONSTRAINT "push_messages_recipient_id_push_recipients_id_fk" FOREIGN KEY ("recipient_id") REFERENCES "public"."push_recipients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_messages" ADD CONSTRAINT "push_messages_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_recipients" ADD CONSTRAINT "push_recipients_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_search" ADD CONSTRAINT "message_search_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_account_idx" ON "api_keys" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outbound_from_id_idx" ON "outbound_messages" USING btree ("from_id") WHERE "outbound_messages"."from_id" <> '';--> statement-breakpoint
CREATE INDEX "outbound_account_status_idx" ON "outbound_messages" USING btree ("account_id","status","id");--> statement-breakpoint
CREATE INDEX "outbound_recipient_idx" ON "outbound_messages" USING btree (lower("recipient"),"last_activity");--> statement-breakpoint
CREATE INDEX "outbound_lookup_idx" ON "outbound_messages" USING btree ("account_id",lower("recipient"),"id");--> statement-breakpoint
CREATE INDEX "outbound_keep_until_idx" ON "outbound_messages" USING btree ("keep_until") WHERE "outbound_messages"."keep_until" is not null;--> statement-breakpoint
CREATE INDEX "outbound_raw_idx" ON "outbound_messages" USING btree ("raw_id");--> statement-breakpoint
CREATE INDEX "outgoing_recipients_account_time_idx" ON "outgoing_recipients" USING btree ("account_id","submitted_at");--> statement-breakpoint
CREATE INDEX "outgoing_recipients_account_rcpt_idx" ON "outgoing_recipients" USING btree ("account_id","recipient","submitted_at");--> statement-breakpoint
CREATE UNIQUE INDEX "suppressions_account_base_idx" ON "suppressions" USING btree ("account_id","base_address");--> statement-breakpoint
CREATE UNIQUE INDEX "dkim_keys_domain_selector_idx" ON "dkim_keys" USING btree ("domain","selector");--> statement-breakpoint
CREATE INDEX "events_account_order_idx" ON "events" USING btree ("account_id","tx_id","id");--> statement-breakpoint
CREATE INDEX "events_order_idx" ON "events" USING btree ("tx_id","id");--> statement-breakpoint
CREATE INDEX "addresses_account_idx" ON "addresses" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mailboxes_account_name_idx" ON "mailboxes" USING btree ("account_id","name");--> statement-breakpoint
CREATE INDEX "messages_account_mailbox_idx" ON "messages" USING btree ("account_id","mailbox_id","id");--> statement-breakpoint
CREATE INDEX "messages_account_rcpt_idx" ON "messages" USING btree ("account_id",("envelope"->>'rcptTo'),"id");--> statement-breakpoint
CREATE INDEX "messages_search_pending_idx" ON "messages" USING btree ("account_id","id") WHERE not "messages"."search_indexed";--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "jobs" USING btree ("kind","run_at","id") WHERE "jobs"."locked_by" is null;--> statement-breakpoint
CREATE INDEX "jobs_locked_idx" ON "jobs" USING btree ("locked_at") WHERE "jobs"."locked_by" is not null;--> statement-breakpoint
CREATE INDEX "jobs_group_idx" ON "jobs" USING btree ("group_key") WHERE "jobs"."group_key" is not null;--> statement-breakpoint
CREATE INDEX "event_tokens_account_idx" ON "event_tokens" USING btree ("account_id","expires_at");--> statement-breakpoint
CREATE INDEX "webhooks_account_idx" ON "webhooks" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "webhooks_job_idx" ON "webhooks" USING btree ("job_id") WHERE "webhooks"."job_id" is not null;--> statement-breakpoint
CREATE INDEX "webhooks_pending_msg_idx" ON "webhooks" USING btree ("queue_msg_id") WHERE "webhooks"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "webhooks_keep_until_idx" ON "webhooks" USING btree ("keep_until") WHERE "webhooks"."keep_until" is not null;--> statement-breakpoint
CREATE INDEX "send_idempotency_created_idx" ON "send_idempotency" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "push_global_deliveries_recipient_idx" ON "push_global_deliveries" USING btree ("recipient_id");--> statement-breakpoint
CREATE INDEX "push_globals_account_idx" ON "push_globals" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "push_messages_account_idx" ON "push_messages" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "push_messages_pending_idx" ON "push_messages" USING btree ("recipient_id","id") WHERE state = 'PENDING';--> statement-breakpoint
CREATE UNIQUE INDEX "push_recipients_account_recipient_idx" ON "push_recipients" USING btree ("account_id","recipient");--> statement-breakpoint
CREATE INDEX "message_search_document_idx" ON "message_search" USING gin ("document");--> statement-breakpoint
CREATE INDEX "message_search_account_idx" ON "message_search" USING btree ("account_id","message_id");