#include "service_settings.hpp"
