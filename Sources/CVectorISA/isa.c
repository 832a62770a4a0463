#include "vector_isa.h"

int enhance_c_vector_isa(void) { return ENHANCE_VECTOR_ISA; }
