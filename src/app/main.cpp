#include <cstdio>

int main() {
  std::puts("nectar");
  return 0;
}
