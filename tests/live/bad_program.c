/*
 * bad_program.c - a program on a live host that breaks the control
 * protocol (docs/live.md) in one way, chosen by argv[1], for
 * tests/live_check.sh: every way must end the scenario in error, naming
 * the program, the request and the line, with its namespace gone.
 *
 *   nohello   its first line is not a hello
 *   notjson   answers socket.new with a line that is not JSON
 *   silent    never answers socket.new
 *   refuse    answers socket.new with an error
 *   exit      exits when asked for socket.new
 *   badevent  answers, then sends an event the protocol does not have
 *   good      answers every request with {} (and connection.new with an id)
 *   send IP PORT  no protocol: a datagram "x" every 50 ms from port 4000 on
 *             any address (the kernel picks the source) to IP:PORT, errors
 *             (no route while the link is down) ignored (tests/live/renumber.lua)
 *
 * Media (docs/live.md, "Media and DTMF"; its hello lists "media"; no
 * media stack: each mode breaks the protocol at one request, and
 * answers what comes before with {}):
 *   mediarefuse  answers session.new with an error
 *   mediaevent   after session.new, an addtrack event without its track
 *   mediadesc    answers session.getLocalDescription with an ssrc that is a
 *                number, not the spec's decimal string
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long id_of(const char *line)
{
    const char *p = strstr(line, "\"id\":");
    return p ? strtol(p + 5, NULL, 10) : -1;
}

static int send_loop(const char *ip, const char *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(4000) }, to = { .sin_family = AF_INET };
    to.sin_port = htons((uint16_t)atoi(port));
    if (fd < 0 || inet_pton(AF_INET, ip, &to.sin_addr) != 1 || bind(fd, (struct sockaddr *)&me, sizeof me) < 0) {
        perror("bad_program send");
        return 1;
    }
    for (;;) {
        sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof to);
        nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "good";
    if (strcmp(mode, "send") == 0 && argc == 4)
        return send_loop(argv[2], argv[3]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    bool media = strncmp(mode, "media", 5) == 0;
    if (strcmp(mode, "nohello") == 0)
        printf("{\"event\":\"howdy\"}\n");
    else
        printf("{\"event\":\"hello\",\"protocol\":1,\"name\":\"bad-%s\"%s}\n", mode,
               media ? ",\"features\":[\"media\",\"dtmf\"]" : "");
    char line[65536];
    while (fgets(line, sizeof line, stdin)) {
        long id = id_of(line);
        if (strcmp(mode, "notjson") == 0) {
            printf("this is not json\n");
        } else if (strcmp(mode, "silent") == 0) {
            continue;
        } else if (strcmp(mode, "refuse") == 0) {
            printf("{\"id\":%ld,\"error\":{\"code\":\"failed\",\"message\":\"no sockets today\"}}\n", id);
        } else if (strcmp(mode, "exit") == 0) {
            return 3;
        } else if (strcmp(mode, "mediarefuse") == 0 && strstr(line, "\"session.new\"")) {
            printf("{\"id\":%ld,\"error\":{\"code\":\"failed\",\"message\":\"no media today\"}}\n", id);
        } else if (strcmp(mode, "mediaevent") == 0 && strstr(line, "\"session.new\"")) {
            printf("{\"id\":%ld,\"result\":{}}\n", id);
            printf("{\"event\":\"addtrack\",\"session\":\"m1\",\"msid\":\"s1\"}\n");
        } else if (strcmp(mode, "mediadesc") == 0 && strstr(line, "\"session.getLocalDescription\"")) {
            printf("{\"id\":%ld,\"result\":{\"description\":{\"a1\":{\"kind\":\"audio\",\"ssrc\":12}}}}\n", id);
        } else if (strstr(line, "connection.new")) {
            printf("{\"id\":%ld,\"result\":{\"id\":\"conn1\"}}\n", id);
            if (strcmp(mode, "badevent") == 0)
                printf("{\"event\":\"fireworks\",\"connection\":\"c1\"}\n");
        } else {
            printf("{\"id\":%ld,\"result\":{}}\n", id);
        }
    }
    return 0;
}
