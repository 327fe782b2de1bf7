/* main.c: wiring only (placeholder until the app shell lands). */
#include <stdio.h>
int main(void) { puts("iftop-logs"); return 0; }
