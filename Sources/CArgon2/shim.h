// The reference Argon2 implementation (Debian libargon2-dev), for PasswordHasher.
#include <argon2.h>
