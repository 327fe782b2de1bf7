/*
 * tests/tools/tlsrelay.c: a TLS-terminating front for tests.  Accepts TLS
 * on 127.0.0.1 with the given certificate and key and relays the plain
 * bytes to an upstream TCP address (the fault proxy in front of Loki), so
 * clients can be tested against https:// with a throw-away CA.  Test-only;
 * never linked into the app.  One thread per connection, blocking I/O.
 *
 * usage: tlsrelay PORT CERT KEY UPSTREAM_IP:PORT
 *   PORT 0 picks a free port.  Prints "PORT\n" on stdout once listening.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static SSL_CTX *ctx;
static struct sockaddr_in upstream;

static int
write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void *
relay(void *arg)
{
	int cfd = (int)(intptr_t)arg;
	int ufd = -1;
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, cfd);
	if (SSL_accept(ssl) != 1)
		goto out;        /* e.g. the client rejected our certificate */
	ufd = socket(AF_INET, SOCK_STREAM, 0);
	if (ufd < 0 || connect(ufd, (struct sockaddr *)&upstream, sizeof(upstream)) != 0)
		goto out;
	char buf[16384];
	for (;;) {
		struct pollfd pf[2] = { { cfd, POLLIN, 0 }, { ufd, POLLIN, 0 } };
		if (SSL_pending(ssl) == 0 && poll(pf, 2, -1) < 0)
			break;
		if (SSL_pending(ssl) > 0 || (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			int n = SSL_read(ssl, buf, sizeof(buf));
			if (n <= 0) {
				int e = SSL_get_error(ssl, n);
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					continue;
				break;
			}
			if (write_all(ufd, buf, (size_t)n) != 0)
				break;
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(ufd, buf, sizeof(buf));
			if (n <= 0 || SSL_write(ssl, buf, (int)n) <= 0)
				break;
		}
	}
	SSL_shutdown(ssl);
out:
	SSL_free(ssl);
	close(cfd);
	if (ufd >= 0)
		close(ufd);
	return NULL;
}

int
main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: tlsrelay PORT CERT KEY UPSTREAM_IP:PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	char ip[64];
	int uport;
	memset(&upstream, 0, sizeof(upstream));
	upstream.sin_family = AF_INET;
	if (sscanf(argv[4], "%63[^:]:%d", ip, &uport) != 2 ||
	    inet_pton(AF_INET, ip, &upstream.sin_addr) != 1) {
		fprintf(stderr, "tlsrelay: bad upstream %s\n", argv[4]);
		return 2;
	}
	upstream.sin_port = htons((uint16_t)uport);
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 64) != 0) {
		perror("tlsrelay: listen");
		return 1;
	}
	socklen_t al = sizeof(a);
	getsockname(s, (struct sockaddr *)&a, &al);
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		pthread_t t;
		if (pthread_create(&t, NULL, relay, (void *)(intptr_t)c) != 0)
			close(c);
		else
			pthread_detach(t);
	}
}
